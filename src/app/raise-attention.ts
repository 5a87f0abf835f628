import { HOW_READ, isMatter } from '../domain/decide/decide-message.js'
import type { RiskFlag } from '../domain/types.js'
import type { Wording } from '../config/load-wording-dir.js'
import type { CaseRecord } from './case-record.js'
import { say } from './case-facts-text.js'
import { reasonsText } from './create-draft.js'
import type { Directory } from './directory.js'
import type { RecordedMessage } from './inbound-message.js'
import type { AttentionScope, Tx } from './store.js'
import { noteRepeat, noticeAbout, tellTeam } from './team-notices.js'

/**
 * While an item of a group or case is open, the team has been told: a second message about the
 * same matter within this window is queued without another notice (a flood of twenty angry
 * messages is one notice, not twenty). A message with a new kind of reason is announced again.
 */
export const ATTENTION_QUIET_MS = 30 * 60_000

const NOT_NEWS: ReadonlySet<RiskFlag> = HOW_READ

export interface RaiseAttention {
  msg: RecordedMessage
  kase: CaseRecord | null
  customerKey: string | null
  reasons: RiskFlag[]
  candidates: number[]
  now: Date
}

/**
 * "Needs a person": the message waits in the attention queue, the team is told once in the
 * internal group (the message quoted, who said it, the case if any, the commands that fit), and
 * the case remembers it has something open until a person acts (clearAttention).
 */
export async function raiseAttention(tx: Tx, deps: { directory: Directory; wording: Wording }, req: RaiseAttention): Promise<{ notified: boolean }> {
  const { msg, kase, now } = req
  const recent = await tx.recentAttention({ groupKey: msg.groupKey, caseId: kase?.id ?? null, since: new Date(now.getTime() - ATTENTION_QUIET_MS) })
  // how Baton read a message ("unclear", "public group"...) is not what the matter is: it never
  // makes a message news on its own
  const news = req.reasons.filter((r) => !NOT_NEWS.has(r))
  const covered = recent.some((told) => news.every((r) => told.includes(r)))
  const about = noticeAbout(msg)
  const caseRef = kase ? say(deps.wording, 'review.case_ref', { case_id: kase.id, customer: deps.directory.customer(kase.customerKey)?.name ?? kase.customerKey }) : null
  // one chatty sender is a few notices and a summary, however many matters it raises (team-notices.ts)
  const told = covered ? 'none' : await tellTeam(tx, deps, { about, caseId: kase?.id ?? null, caseRef, text: attentionNotice(deps, req), now })
  if (covered && about) await noteRepeat(tx, deps, { about, caseId: kase?.id ?? null, caseRef, now })
  const notified = told !== 'none'
  await tx.insertAttention({
    messageId: msg.id,
    caseId: kase?.id ?? null,
    customerKey: kase?.customerKey ?? req.customerKey,
    groupKey: msg.groupKey,
    talkerId: msg.talkerId,
    reasons: req.reasons,
    text: msg.text,
    notified,
    createdAt: now,
  })
  if (kase) {
    // only a matter (a complaint, a hazard, a refund...) holds back the case's routine answers
    if (kase.attentionSince === null && isMatter(req.reasons)) await tx.updateCase(kase.id, { attentionSince: now })
    await tx.appendEvidence(kase.id, { kind: 'attention_raised', actor: 'baton', at: now, payload: { messageId: msg.id, reasons: req.reasons, notified, ...(told === 'folded' ? { folded: true } : {}) } })
  }
  return { notified }
}

function attentionNotice(deps: { directory: Directory; wording: Wording }, req: RaiseAttention): string {
  const { directory, wording } = deps
  const from = req.msg.groupKey ? directory.group(req.msg.groupKey) : undefined
  const who = directory.person(req.msg.talkerId)?.name ?? wording.get('review.unknown_person') ?? req.msg.talkerId
  const customer = req.kase ? directory.customer(req.kase.customerKey) : req.customerKey ? directory.customer(req.customerKey) : undefined
  const caseRef = req.kase ? say(wording, 'review.case_ref', { case_id: req.kase.id, customer: customer?.name ?? req.kase.customerKey }) : (wording.get('review.no_case') ?? '-')
  const commands = req.kase
    ? say(wording, 'review.attention_commands_case', { case_id: req.kase.id })
    : say(wording, 'review.attention_commands_open', { customer: customer?.name ?? wording.get('review.attention_customer_placeholder') ?? '客户' })
  return say(wording, 'review.attention_notice', {
    group: from?.topic ?? wording.get('review.direct_chat') ?? '私聊',
    who,
    case_ref: caseRef,
    original: quote(req.msg.text),
    reasons: reasonsText(wording, req.reasons),
    candidates: req.candidates.length > 0 ? say(wording, 'review.candidates_line', { list: req.candidates.map((id) => `#${id}`).join(' ') }) : '',
    commands,
  })
}

/**
 * A person acted (spoke in the group, decided a draft, took or closed the case, cleared it in the
 * console): the open items in scope are cleared and their cases no longer count as waiting for a
 * person. Returns how many cases were touched.
 */
export async function clearAttention(tx: Tx, scope: AttentionScope, by: { by: string; note: string; at: Date }): Promise<number[]> {
  const caseIds = await tx.clearAttention(scope, by)
  for (const id of caseIds) {
    const kase = await tx.lockCase(id)
    if (!kase || kase.attentionSince === null) continue
    await tx.updateCase(id, { attentionSince: null })
    await tx.appendEvidence(id, { kind: 'attention_cleared', actor: by.by, at: by.at, payload: { note: by.note } })
  }
  return caseIds
}

/** Quotes at most a phone screen's worth of the original. */
function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat
}
