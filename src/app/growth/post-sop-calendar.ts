import { holdForQuietHours } from '../../domain/due-time.js'
import { parseCron } from '../../domain/growth/cron-schedule.js'
import { delayMs } from '../../domain/growth/flow-plan.js'
import type { GroupType, SopItem } from '../../domain/growth/growth-config.js'
import { isOnTime, planOccurrences } from '../../domain/growth/sop-plan.js'
import { say } from '../case-facts-text.js'
import { SOP_ON_TIME_MS, type SopFlowDeps } from './sop-flow-deps.js'
import type { Occurrence, SopFlowTx } from './sop-flow-ports.js'

/** occurrences posted per transaction */
const SLICE = 100

export interface SopTickResult {
  recorded: number
  posted: number
  awaitingReview: number
  missed: number
  failed: number
}

/**
 * One look at the SOP calendar (run by a BullMQ job scheduler, safe to run twice or side by side):
 * occurrences due since the last one recorded become rows (unique per item, group and due time),
 * then each pending one is claimed and posted through the outbox — or, in a public group and not
 * automatic, drafted for review — or marked missed when its window has passed. Occurrences waiting
 * for review or delivery move on with their draft and send.
 */
export async function postSopCalendar(deps: SopFlowDeps): Promise<SopTickResult> {
  const now = deps.clock.now()
  const result: SopTickResult = { recorded: 0, posted: 0, awaitingReview: 0, missed: 0, failed: 0 }
  const items = deps.cfg.groupTypes.flatMap((type) => type.sop.map((item) => ({ type, item })))
  if (items.length === 0) return result
  for (const { type, item } of items) result.recorded += await recordDue(deps, type, item, now)
  for (;;) {
    const n = await deps.store.transaction(async (tx) => {
      const claimed = await tx.claimPending(SLICE)
      for (const o of claimed) result[await postOne(deps, tx, o, now)]++
      return claimed.length
    })
    if (n < SLICE) break
  }
  await deps.store.settleTracked(SOP_ON_TIME_MS, now)
  if (result.posted + result.awaitingReview > 0) deps.sendsQueued?.()
  if (result.recorded > 0) deps.log.info({ ...result }, 'SOP calendar ticked')
  return result
}

async function recordDue(deps: SopFlowDeps, type: GroupType, item: SopItem, now: Date): Promise<number> {
  const parsed = parseCron(item.schedule)
  if (!parsed.ok) return 0
  const windowMs = delayMs(item.window) ?? 0
  return deps.store.transaction(async (tx) => {
    let recorded = 0
    const last = await tx.lastOccurrences(item.key, type.groups)
    for (const groupKey of type.groups) {
      const plan = planOccurrences({ schedule: parsed.schedule, timeZone: deps.policy.timezone, now, windowMs, lastRecorded: last.get(groupKey) ?? null })
      recorded += await tx.recordOccurrences(
        plan.map((p) => ({ itemKey: item.key, groupType: type.key, groupKey, dueAt: p.dueAt, status: p.action === 'post' ? 'pending' : 'missed' })),
        now,
      )
    }
    return recorded
  })
}

type Posted = 'posted' | 'awaitingReview' | 'missed' | 'failed'

async function postOne(deps: SopFlowDeps, tx: SopFlowTx, o: Occurrence, now: Date): Promise<Posted> {
  const type = deps.cfg.groupTypes.find((t) => t.key === o.groupType)
  const item = type?.sop.find((i) => i.key === o.itemKey)
  // an item removed from the calendar, or its window passed before a tick got to it
  if (!item || now.getTime() - o.dueAt.getTime() > (delayMs(item.window) ?? 0)) {
    await tx.settleOccurrence(o.id, { status: 'missed' }, now)
    return 'missed'
  }
  const text = item.text ?? (item.knowledge ? deps.knowledgeText(item.knowledge, now) : null)
  const group = deps.directory.group(o.groupKey)
  if (!text || !group) {
    deps.log.warn({ item: item.key, group: o.groupKey, knowledge: item.knowledge }, 'SOP item has no text to post (knowledge entry missing or out of its dates)')
    await tx.settleOccurrence(o.id, { status: 'failed' }, now)
    return 'failed'
  }
  if (group.kind === 'public_customer' && !item.automatic) {
    const draftId = await draftForReview(deps, tx, { item, groupKey: o.groupKey, topic: group.topic ?? o.groupKey, text, now })
    await tx.settleOccurrence(o.id, { status: 'awaiting_review', draftId }, now)
    return 'awaitingReview'
  }
  const sendAt = holdForQuietHours(now, deps.policy)
  const sendId = await tx.growth.insertSend({ kind: 'sop', groupKey: o.groupKey, text, notBefore: sendAt > now ? sendAt : null }, now)
  await tx.settleOccurrence(o.id, { status: 'sent', sendId, sentAt: sendAt, onTime: isOnTime(o.dueAt, sendAt, SOP_ON_TIME_MS) }, now)
  return 'posted'
}

/** A public group's post waits for a person: a draft (the usual /approve path) and a notice. */
async function draftForReview(deps: SopFlowDeps, tx: SopFlowTx, p: { item: SopItem; groupKey: string; topic: string; text: string; now: Date }): Promise<number> {
  const draftId = await tx.insertDraft({
    caseId: null,
    targetGroupKey: p.groupKey,
    category: 'sop',
    text: p.text,
    mode: 'review_before_send',
    status: 'pending',
    riskFlags: ['public_group'],
    riskDetails: { sopItem: p.item.key },
    candidates: [],
    templateId: null,
    templateVersion: null,
    templateHash: null,
    knowledge: null,
    sourceMessageId: null,
    decidedBy: null,
    decidedAt: null,
    finalText: null,
    decisionNote: null,
    createdAt: p.now,
  })
  const internal = deps.directory.internalGroups()[0]
  if (internal) {
    const notice = say(deps.wording, 'growth.sop_review_notice', { draft_id: draftId, group: p.topic, text: p.text })
    await tx.growth.insertSend({ kind: 'notice', groupKey: internal.key, text: notice }, p.now)
  }
  return draftId
}
