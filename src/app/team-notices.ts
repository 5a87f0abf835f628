import { FANOUT, fanoutFor, summaryKey, summaryNotBefore, type FanoutLimits } from '../domain/resilience/notice-fanout.js'
import type { Wording } from '../config/load-wording-dir.js'
import type { TalkerRole } from '../domain/types.js'
import { say } from './case-facts-text.js'
import type { NoticeAbout } from './case-record.js'
import type { Directory } from './directory.js'
import type { Tx } from './store.js'

export interface TeamNotice {
  /** whose message the notice is about (noticeAbout); null (staff, a partner, a timer): said as it is */
  about: NoticeAbout | null
  caseId: number | null
  /** how the case is named in a summary ("案件#3（张先生）"), when there is one */
  caseRef: string | null
  text: string
  now: Date
}

/** Staff and partners are the team's own people: only the customer side (anyone else) is limited. */
const LIMITED: ReadonlySet<TalkerRole> = new Set(['customer_contact', 'executor', 'unknown'])

/** Whom a notice about this message is about, for the fan-out limits; null: not limited. */
export function noticeAbout(msg: { groupKey: string | null; talkerId: string; talkerRole: TalkerRole }): NoticeAbout | null {
  return LIMITED.has(msg.talkerRole) ? { groupKey: msg.groupKey, talkerId: msg.talkerId } : null
}

interface Deps {
  directory: Directory
  wording: Wording
}

/**
 * Tells the internal group about someone's message, within the fan-out limits (see
 * notice-fanout.ts): said as it is, or folded into the sender's or group's summary. Returns what
 * happened; 'none' when there is no internal group.
 */
export async function tellTeam(tx: Tx, deps: Deps, n: TeamNotice): Promise<'told' | 'folded' | 'none'> {
  const internal = deps.directory.internalGroups()[0]
  if (!internal) return 'none'
  if (!n.about) {
    await tx.insertSend({ kind: 'notice', caseId: n.caseId, groupKey: internal.key, text: n.text }, n.now)
    return 'told'
  }
  const limits = FANOUT
  const since = new Date(n.now.getTime() - limits.windowMs)
  const inGroup = n.about.groupKey !== null
  // one round trip: this runs for every customer-side notice, inside the decision's transaction
  const state = await tx.fanoutState(n.about, since, { sender: summaryKey(n.about, 'sender'), group: inGroup ? summaryKey(n.about, 'group') : null })
  const { told, sender: senderSummary, group: groupSummary } = state
  const choice = fanoutFor(told, { sender: senderSummary?.queued === true, group: groupSummary?.queued === true }, inGroup, limits)
  if (choice.kind === 'tell') {
    await tx.insertSend({ kind: 'notice', caseId: n.caseId, groupKey: internal.key, text: n.text, about: n.about }, n.now)
    return 'told'
  }
  await fold(tx, deps, limits, internal.key, { ...n, about: n.about }, choice.into, choice.into === 'group' ? groupSummary : senderSummary)
  return 'folded'
}

/**
 * A message that would only have repeated what the team already has (a draft like the one
 * waiting, a matter already announced): it makes no notice, but a flood of them is counted in
 * the sender's summary so the team sees how chatty it got. Returns whether it was counted.
 */
export async function noteRepeat(tx: Tx, deps: Deps, n: Omit<TeamNotice, 'text'> & { about: NoticeAbout }): Promise<boolean> {
  const internal = deps.directory.internalGroups()[0]
  if (!internal) return false
  const limits = FANOUT
  const since = new Date(n.now.getTime() - limits.windowMs)
  const latest = await tx.latestSummary(n.about, summaryKey(n.about, 'sender'), since)
  if (latest?.queued !== true && (await tx.messagesFrom(n.about, since)).sender < limits.floodMessages) return false
  await fold(tx, deps, limits, internal.key, { ...n, text: '' }, 'sender', latest)
  return true
}

/** The summary still queued gets the new count; otherwise a new one is queued to go out a little later. */
async function fold(
  tx: Tx,
  deps: Deps,
  limits: FanoutLimits,
  internalKey: string,
  n: TeamNotice & { about: NoticeAbout },
  into: 'sender' | 'group',
  latest: { id: number; queued: boolean; createdAt: Date } | null,
): Promise<void> {
  const text = summaryText(deps, await tx.messagesFrom(n.about, new Date(n.now.getTime() - limits.windowMs)), n, into, limits)
  const summary = { kind: 'notice', caseId: n.caseId, groupKey: internalKey, text, notBefore: summaryNotBefore(n.now, latest, limits), about: n.about, summaryKey: summaryKey(n.about, into) } as const
  if (latest?.queued) await tx.rewriteSummary(latest.id, text, { send: summary, at: n.now })
  else await tx.insertSend(summary, n.now)
}

function summaryText(deps: Deps, counts: { sender: number; group: number; people: number }, n: TeamNotice & { about: NoticeAbout }, into: 'sender' | 'group', limits: FanoutLimits): string {
  const { directory, wording } = deps
  const group = n.about.groupKey ? (directory.group(n.about.groupKey)?.topic ?? n.about.groupKey) : (wording.get('review.direct_chat') ?? '私聊')
  const minutes = Math.max(1, Math.round(limits.windowMs / 60_000))
  if (into === 'group') return say(wording, 'review.flood_group', { group, minutes, count: counts.group, people: counts.people })
  return say(wording, 'review.flood_sender', {
    who: directory.person(n.about.talkerId)?.name ?? wording.get('review.unknown_person') ?? n.about.talkerId,
    minutes,
    count: counts.sender,
    group,
    case_ref: n.caseRef ?? wording.get('review.no_case') ?? '-',
    commands: n.caseId !== null ? say(wording, 'review.flood_commands_case', { case_id: n.caseId }) : say(wording, 'review.flood_commands_open', {}),
  })
}
