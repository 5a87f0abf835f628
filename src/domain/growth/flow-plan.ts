import { createHash } from 'node:crypto'
import { canonicalJson } from '../evidence-hash.js'
import { parseDuration } from '../duration.js'
import type { FlowCondition, FlowDefinition, GrowthConfig } from './growth-config.js'
import { groupTypeOf } from './tag-rules.js'

/**
 * A flow's version: the hash of its definition. Editing a flow makes a new version; runs keep the
 * version they started with (their steps are read from the definition of that version).
 */
export function flowVersion(flow: FlowDefinition): string {
  return createHash('sha256').update(canonicalJson(flow)).digest('hex').slice(0, 16)
}

/** A step's delay in ms: "0"/"0s" is at once. */
export function delayMs(delay: string): number | null {
  if (/^0\s*[smhd]?$/.test(delay.trim())) return 0
  return parseDuration(delay)
}

/** A contact event as the flows read it from the event log. */
export interface FlowEvent {
  kind: string
  groupKey: string | null
  detail: Record<string, string | number | boolean | null>
}

/** The flows this contact event starts. */
export function flowsTriggered(cfg: Pick<GrowthConfig, 'flows' | 'groupTypes' | 'dimensions' | 'tags'>, e: FlowEvent): FlowDefinition[] {
  const stageDim = cfg.dimensions.find((d) => d.stage)?.key
  return cfg.flows.filter((f) => {
    const t = f.trigger
    if (t.event === 'joined_group') return e.kind === 'joined_group' && e.groupKey !== null && groupTypeOf(cfg, e.groupKey)?.key === t.groupType
    if (e.kind !== 'tag_added') return false
    if (t.event === 'tag_added') return e.detail['tag'] === t.tag
    return stageDim !== undefined && e.detail['dimension'] === stageDim && e.detail['tag'] === t.stage
  })
}

/** What is known about the contact when a step comes due. */
export interface ContactNow {
  tags: readonly string[]
  /** wrote to us after the run started */
  replied: boolean
}

export function conditionHolds(c: FlowCondition | undefined, contact: ContactNow): boolean {
  if (!c) return true
  if ('hasTag' in c) return contact.tags.includes(c.hasTag)
  if ('notTag' in c) return !contact.tags.includes(c.notTag)
  return !contact.replied
}

/** When step `index` of a run is due, counted from when the previous step (or the trigger) happened. */
export function stepDueAt(flow: FlowDefinition, index: number, previousAt: Date): Date | null {
  const step = flow.steps[index]
  if (!step) return null
  return new Date(previousAt.getTime() + (delayMs(step.delay) ?? 0))
}

/** What happens to a running flow when one of its steps comes due. */
export type StepPlan = { kind: 'exit'; reason: 'replied' } | { kind: 'skip' } | { kind: 'act' }

export function planStep(flow: FlowDefinition, index: number, contact: ContactNow): StepPlan {
  if (flow.exitOnReply && contact.replied) return { kind: 'exit', reason: 'replied' }
  return conditionHolds(flow.steps[index]?.when, contact) ? { kind: 'act' } : { kind: 'skip' }
}
