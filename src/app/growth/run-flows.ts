import { holdForQuietHours } from '../../domain/due-time.js'
import { flowsTriggered, flowVersion, planStep, stepDueAt } from '../../domain/growth/flow-plan.js'
import type { FlowAction, FlowDefinition } from '../../domain/growth/growth-config.js'
import { renderTemplate } from '../../domain/render-template.js'
import { say } from '../case-facts-text.js'
import { addContactTag, removeContactTag } from './change-tags.js'
import type { SopFlowDeps } from './sop-flow-deps.js'
import type { FlowContact, LockedStep, SopFlowTx, StepRef } from './sop-flow-ports.js'

/** the flows' place in the contact event log */
export const FLOW_CURSOR = 'flows'
/** events read per transaction */
const EVENTS_SLICE = 500
/**
 * A transaction that took an event id may commit after one with a higher id: each read starts
 * this many ids before the cursor. Re-reading is harmless (a run is unique per flow and trigger).
 */
const REREAD = 200

/**
 * Starts the flows that contact events since the last look trigger (joined a typed group, a tag
 * added, a stage set), each run with its first step planned; runs of flows that exit on reply
 * whose contact wrote meanwhile are ended. The first look ever starts reading at the end of the
 * log: history does not start flows. Returns the steps planned, for the queue.
 */
export async function startTriggeredFlows(deps: SopFlowDeps): Promise<StepRef[]> {
  const now = deps.clock.now()
  await deps.store.exitReplied(now)
  if (deps.cfg.flows.length === 0) return []
  const planned: StepRef[] = []
  for (;;) {
    const more = await deps.store.transaction(async (tx) => {
      const cursor = await tx.lockCursor(FLOW_CURSOR)
      if (cursor === null) {
        await tx.writeCursor(FLOW_CURSOR, await tx.maxEventId())
        return false
      }
      const events = await tx.eventsAfter(Math.max(0, cursor - REREAD), EVENTS_SLICE)
      const handled = await tx.triggersHandled(events.filter((e) => e.id <= cursor).map((e) => e.id))
      for (const e of events) {
        for (const flow of flowsTriggered(deps.cfg, e)) {
          if (handled.has(`${flow.key} ${e.id}`)) continue
          const runId = await tx.startRun({ contactId: e.contactId, flowKey: flow.key, version: flowVersion(flow), definition: flow, triggerEventId: e.id, at: now })
          if (runId === null) continue
          const step = await tx.insertStep(runId, 0, stepDueAt(flow, 0, e.at)!)
          if (step) planned.push(step)
        }
      }
      const last = events.at(-1)?.id ?? cursor
      if (last > cursor) await tx.writeCursor(FLOW_CURSOR, last)
      return events.length === EVENTS_SLICE && last > cursor
    })
    if (!more) break
  }
  if (planned.length > 0) deps.log.info({ runs: planned.length }, 'lifecycle flows started')
  return planned
}

export type StepResult = { kind: 'stale' } | { kind: 'done' | 'skipped'; next: StepRef | null } | { kind: 'exited' }

/**
 * Runs one due flow step, once: the step row is locked and must still be pending, and its action,
 * its status and the next step's row commit together — a retried or duplicated job finds it done.
 * The run's own definition (its version) says what the step is.
 */
export async function runFlowStep(deps: SopFlowDeps, stepId: number): Promise<StepResult> {
  const now = deps.clock.now()
  let queued = false
  const result = await deps.store.transaction(async (tx): Promise<StepResult> => {
    const step = await tx.lockStep(stepId, now)
    if (!step) return { kind: 'stale' }
    const flow = step.definition
    const contact = await tx.flowContact(step.contactId)
    const replied = contact.lastInboundAt !== null && contact.lastInboundAt > step.startedAt
    const plan = planStep(flow, step.index, { tags: contact.tags, replied })
    if (plan.kind === 'exit') {
      await tx.finishStep(step.stepId, 'cancelled', { reason: plan.reason }, now)
      await tx.endRun(step.runId, 'exited', plan.reason, now)
      return { kind: 'exited' }
    }
    let outcome: Record<string, string | number | boolean | null> = { action: flow.steps[step.index]!.action.kind }
    if (plan.kind === 'act') {
      const done = await act(deps, tx, step, contact, flow.steps[step.index]!.action, now)
      queued = done.queued
      outcome = { ...outcome, ...done.outcome }
    }
    const status = plan.kind === 'act' ? 'done' : 'skipped'
    await tx.finishStep(step.stepId, status, outcome, now)
    // the contact's log shows the flow's steps beside its tags and messages
    await tx.growth.appendEvents([{ contactId: step.contactId, kind: 'flow_step', detail: { flow: step.flowKey, step: step.index, status, ...outcome }, at: now }])
    const next = await planNext(tx, step, flow, now)
    return { kind: plan.kind === 'act' ? 'done' : 'skipped', next }
  })
  if (queued) deps.sendsQueued?.()
  return result
}

async function planNext(tx: SopFlowTx, step: LockedStep, flow: FlowDefinition, now: Date): Promise<StepRef | null> {
  const dueAt = stepDueAt(flow, step.index + 1, now)
  if (!dueAt) {
    await tx.endRun(step.runId, 'completed', null, now)
    return null
  }
  await tx.advanceRun(step.runId, step.index + 1)
  return tx.insertStep(step.runId, step.index + 1, dueAt)
}

async function act(deps: SopFlowDeps, tx: SopFlowTx, step: LockedStep, contact: FlowContact, a: FlowAction, now: Date): Promise<{ queued: boolean; outcome: Record<string, string | number | boolean | null> }> {
  const who = { source: 'flow' as const, by: step.flowKey }
  if (a.kind === 'add_tag') return { queued: false, outcome: { result: (await addContactTag(tx.growth, deps.cfg, step.contactId, a.tag, who, now)).kind } }
  if (a.kind === 'set_stage') return { queued: false, outcome: { result: (await addContactTag(tx.growth, deps.cfg, step.contactId, a.stage, who, now)).kind } }
  if (a.kind === 'remove_tag') return { queued: false, outcome: { result: (await removeContactTag(tx.growth, deps.cfg, step.contactId, a.tag, who, now)).kind } }
  const text = renderTemplate(a.text, { name: contact.name }).text
  const flowName = step.definition.name
  if (a.kind === 'send' && a.automatic) {
    const sendAt = holdForQuietHours(now, deps.policy)
    const sendId = await tx.growth.insertSend({ kind: 'flow', contactId: contact.wecomId, text, notBefore: sendAt > now ? sendAt : null }, now)
    await tx.growth.noteOutbound(step.contactId, sendAt)
    return { queued: true, outcome: { sendId } }
  }
  // a message that is not automatic, and a staff task, are a notice in the internal group: a person sends or acts
  const internal = deps.directory.internalGroups()[0]
  if (!internal) return { queued: false, outcome: { result: 'no_internal_group' } }
  const key = a.kind === 'send' ? 'growth.flow_send_review' : 'growth.flow_task'
  const sendId = await tx.growth.insertSend({ kind: 'notice', groupKey: internal.key, text: say(deps.wording, key, { contact: contact.name, flow: flowName, text }) }, now)
  return { queued: true, outcome: { noticeId: sendId } }
}
