import { describe, expect, it } from 'vitest'
import { checkTransition, isTerminal, TRANSITIONS, waitingPartyOf, type CaseActor } from '../../src/domain/case-state.js'
import { CASE_STATES, type CaseState } from '../../src/domain/types.js'

describe('case state machine', () => {
  it.each<[CaseState, CaseState, CaseActor, string]>([
    ['requested', 'waiting_customer_material', 'partner', 'ok'],
    ['requested', 'waiting_contact_coordination', 'partner', 'ok'],
    ['waiting_customer_material', 'material_received', 'customer', 'ok'],
    ['waiting_contact_coordination', 'material_received', 'executor', 'ok'],
    ['material_received', 'waiting_partner', 'system', 'ok'],
    ['waiting_partner', 'completed', 'partner', 'ok'],
    ['waiting_partner', 'cancelled', 'handler', 'ok'],
    ['waiting_executor', 'cancelled', 'system', 'ok'],
    ['cancelled', 'requested', 'supervisor', 'ok'],
    ['waiting_customer_material', 'completed', 'customer', 'actor_not_allowed'],
    ['waiting_partner', 'completed', 'customer', 'actor_not_allowed'],
    ['waiting_customer_material', 'cancelled', 'customer', 'actor_not_allowed'],
    ['cancelled', 'requested', 'handler', 'actor_not_allowed'],
    ['completed', 'requested', 'supervisor', 'terminal_state'],
    ['completed', 'cancelled', 'handler', 'terminal_state'],
    ['requested', 'requested', 'handler', 'same_state'],
    ['waiting_partner', 'material_received', 'customer', 'actor_not_allowed'],
  ])('%s → %s by %s: %s', (from, to, actor, expected) => {
    const r = checkTransition(from, to, actor)
    expect(r.ok ? 'ok' : r.code).toBe(expected)
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(0)
  })

  it('reaches every state from requested', () => {
    const reached = new Set<CaseState>(['requested'])
    let grew = true
    while (grew) {
      grew = false
      for (const t of TRANSITIONS) {
        if (reached.has(t.from) && !reached.has(t.to)) {
          reached.add(t.to)
          grew = true
        }
      }
    }
    expect([...reached].sort()).toEqual([...CASE_STATES].sort())
  })

  it('leaves terminal states only by a supervisor reopening a cancelled case', () => {
    const exits = TRANSITIONS.filter((t) => isTerminal(t.from))
    expect(exits).toEqual([{ from: 'cancelled', to: 'requested', by: ['supervisor'] }])
  })

  it('names who every waiting state waits on', () => {
    expect(CASE_STATES.map((s) => [s, waitingPartyOf(s)])).toEqual([
      ['requested', 'team'],
      ['waiting_customer_material', 'customer'],
      ['waiting_contact_coordination', 'contact'],
      ['waiting_executor', 'executor'],
      ['waiting_review', 'team'],
      ['waiting_partner', 'partner'],
      ['material_received', 'team'],
      ['completed', 'none'],
      ['cancelled', 'none'],
    ])
  })
})
