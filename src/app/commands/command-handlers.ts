import type { CaseState, ServiceType } from '../../domain/types.js'
import { computeFigures } from '../../domain/metrics/figures.js'
import type { ParsedCommand } from '../../domain/commands/parse-command.js'
import { label } from '../case-facts-text.js'
import { reasonsText } from '../create-draft.js'
import { AppError } from '../errors.js'
import { moveCase, openCase, rescheduleTimer, setCaseRole } from '../manage-case.js'
import { approveDraft, editDraft, rejectDraft, takeOverDraft, type ReviewResult } from '../review/decide-draft.js'
import { recallDraft } from '../review/recall-draft.js'
import { readyForAutomation } from '../stats.js'
import { formatDuration } from '../../domain/duration.js'
import { formatTime, renderCaseCard, renderCaseLine } from './case-card.js'
import type { CommandContext } from './command-context.js'
import { TAG_COMMAND_HANDLERS } from './tag-commands.js'
import { CHURN_COMMAND_HANDLERS } from './churn-commands.js'

/** The arguments each command carries once parsed: the domain grammar's output. */
export type CommandCall = ParsedCommand

type Handler<N extends CommandCall['name']> = (ctx: CommandContext, call: Extract<CommandCall, { name: N }>) => Promise<void>

const reviewer = (ctx: CommandContext) => ({ id: ctx.talker.id, supervisor: ctx.talker.supervisor })

async function answerReview(ctx: CommandContext, result: ReviewResult): Promise<void> {
  const group = ctx.directory.group(result.draft.targetGroupKey)?.topic ?? result.draft.targetGroupKey
  switch (result.kind) {
    case 'sent': {
      // the reply says which text went out: the draft as shown, the original, or a forced edit
      const key = { draft: 'approved', original: 'approved_original', forced_edit: 'forced', edit: 'edited' }[result.sent]
      return ctx.reply(ctx.t(key, { draft_id: result.draft.id, group, text: result.text }))
    }
    case 'rejected':
      return ctx.reply(ctx.t('rejected', { draft_id: result.draft.id }))
    case 'taken_over':
      return ctx.reply(ctx.t('taken_over', { draft_id: result.draft.id, by: ctx.talker.name, case_id: result.draft.caseId ?? '-' }))
    case 'edit_blocked': {
      const kinds = [...new Set(result.hits.map((h) => h.kind))].map((k) => ctx.wording.get(`labels.leakKinds.${k}`) ?? k)
      return ctx.reply(ctx.t('edit_blocked', { draft_id: result.draft.id, reasons: kinds.join('、') || reasonsText(ctx.wording, ['leak_guard']) }))
    }
  }
}

/** Resolves an @mention to a declared person: WeCom's mention list first, then the typed name. */
function resolveMention(ctx: CommandContext, mention: string): string {
  const bare = mention.replace(/^[@＠]/, '').trim()
  const byList = ctx.message.mentionIds.map((id) => ctx.directory.person(id)).find((p) => p && p.name === bare)
  const byName = ctx.directory
    .peopleWithRole('handler')
    .concat(ctx.directory.peopleWithRole('supervisor'), ctx.directory.peopleWithRole('executor'), ctx.directory.peopleWithRole('customer_contact'))
    .find((p) => p.name === bare || p.id === bare)
  const person = byList ?? byName
  if (!person) throw new AppError('not_found', `no person ${mention}`, { entity: 'person' })
  return person.id
}

const pct = (n: number, d: number) => (d === 0 ? '-' : `${Math.round((n / d) * 100)}%`)

export const COMMAND_HANDLERS: { [N in CommandCall['name']]: Handler<N> } = {
  ...TAG_COMMAND_HANDLERS,
  ...CHURN_COMMAND_HANDLERS,
  auto: async (ctx, c) => {
    await ctx.automation.set(c.category, c.enabled, ctx.talker.id)
    ctx.log.info({ category: c.category, enabled: c.enabled, by: ctx.talker.id }, 'automatic sending switched')
    return ctx.reply(ctx.t(c.enabled ? 'auto_on' : 'auto_off', { category: c.category }))
  },
  recall: async (ctx, c) => {
    const r = await recallDraft(ctx, c.draftId, ctx.talker.id)
    return ctx.reply(ctx.t(r.kind, { draft_id: c.draftId }))
  },
  stats: async (ctx, c) => {
    const now = ctx.clock.now()
    const days = c.period === '30d' ? 30 : 7
    const from = new Date(now.getTime() - days * 86_400_000)
    const h = await ctx.stats.headline({ from, to: now, now })
    const decided = h.reviewed.approved + h.reviewed.edited + h.reviewed.rejected + h.reviewed.taken_over
    const minutes = (ms: number | null) => (ms === null ? '-' : formatDuration(ms))
    const f = computeFigures(h.facts, { from, to: now, now, ruleFor: (t) => ctx.services.proofRuleFor(t as ServiceType) })
    const share = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`)
    const lines = [
      ctx.t('stats', {
        period: c.period,
        waiting: h.waiting,
        overdue: h.overdue,
        overdue_rate: pct(h.overdue, h.waiting),
        decided,
        approved: h.reviewed.approved,
        edited: h.reviewed.edited,
        rejected: h.reviewed.rejected,
        taken_over: h.reviewed.taken_over,
        pass_rate: pct(h.reviewed.approved, decided),
        delivery: minutes(h.deliveryMedianMs),
        writeback: minutes(h.writebackMedianMs),
        failed: h.sendsFailed,
        recalled: h.recalled,
        reminders: h.reminders,
        missed: f.missedSends,
        first_clear: share(f.firstClearExplanationRate),
        incomplete_evidence: share(f.incompleteEvidenceRate),
      }),
      ...readyForAutomation(h, (cat) => ctx.automation.isAutomatic(cat)).map((category) => {
        const cat = h.byCategory.find((x) => x.category === category)!
        return ctx.t('stats_ready', { category, pass_rate: pct(cat.approvedAsIs, cat.decided), drafts: cat.decided })
      }),
    ]
    return ctx.reply(lines.join('\n'))
  },
  remind: async (ctx, c) => {
    const kase = await rescheduleTimer(ctx, reviewer(ctx), c.caseId, { delayMs: c.inMs, snooze: false, reason: null })
    return ctx.reply(ctx.t('remind_set', { case_id: kase.id, at: formatTime(kase.nextTimerAt, '-', ctx.services.timeZone) }))
  },
  snooze: async (ctx, c) => {
    const kase = await rescheduleTimer(ctx, reviewer(ctx), c.caseId, { delayMs: c.forMs, snooze: true, reason: c.reason })
    return ctx.reply(ctx.t('snoozed', { case_id: kase.id, at: formatTime(kase.nextTimerAt, '-', ctx.services.timeZone) }))
  },
  help: async () => {
    throw new Error('help is answered by the router')
  },
  approve: async (ctx, c) => answerReview(ctx, await approveDraft(ctx, c.draftId, reviewer(ctx), { force: c.force })),
  edit: async (ctx, c) => answerReview(ctx, await editDraft(ctx, c.draftId, reviewer(ctx), c.text)),
  reject: async (ctx, c) => answerReview(ctx, await rejectDraft(ctx, c.draftId, reviewer(ctx), c.reason)),
  take: async (ctx, c) => {
    if (c.target === 'draft') return answerReview(ctx, await takeOverDraft(ctx, c.id, reviewer(ctx)))
    await setCaseRole(ctx, reviewer(ctx), c.id, 'owner', ctx.talker.id)
    return ctx.reply(ctx.t('case_taken', { case_id: c.id, by: ctx.talker.name }))
  },
  case: async (ctx, c) => {
    const kase = await ctx.queries.getCase(c.caseId)
    if (!kase) throw new AppError('not_found', `case ${c.caseId}`, { entity: 'case', id: c.caseId })
    const events = await ctx.queries.recentEvents(kase.id, 5)
    return ctx.reply(renderCaseCard(ctx, kase, events))
  },
  cases: async (ctx, c) => {
    const now = ctx.clock.now()
    const list = await ctx.queries.listCases(c.filter, { now, me: ctx.talker.id, limit: 10 })
    const filter = ctx.wording.get(`replies.filters.${c.filter}`) ?? c.filter
    if (list.length === 0) return ctx.reply(ctx.t('cases_empty', { filter }))
    return ctx.reply([ctx.t('cases_header', { count: list.length, filter }), ...list.map((k) => renderCaseLine(ctx, k, now))].join('\n'))
  },
  open: async (ctx, c) => {
    const kase = await openCase(ctx, reviewer(ctx), { customer: c.customer, serviceType: c.serviceType, note: c.note })
    return ctx.reply(
      ctx.t('opened', { case_id: kase.id, customer: ctx.directory.customer(kase.customerKey)?.name ?? kase.customerKey, service: label(ctx.wording, 'serviceTypes', kase.serviceType), owner: ctx.talker.name }),
    )
  },
  wait: async (ctx, c) => {
    const before = await ctx.queries.getCase(c.caseId)
    const kase = await moveCase(ctx, reviewer(ctx), c.caseId, c.state, { reason: 'set by hand', ...(c.dueInMs !== null ? { dueInMs: c.dueInMs } : {}) })
    return replyMoved(ctx, before?.state ?? c.state, kase.state, kase.id, kase.dueAt)
  },
  done: async (ctx, c) => {
    const before = await ctx.queries.getCase(c.caseId)
    const kase = await moveCase(ctx, reviewer(ctx), c.caseId, 'completed', { reason: c.note ?? 'completed by hand' })
    return replyMoved(ctx, before?.state ?? 'completed', kase.state, kase.id, null)
  },
  cancel: async (ctx, c) => {
    const before = await ctx.queries.getCase(c.caseId)
    const kase = await moveCase(ctx, reviewer(ctx), c.caseId, 'cancelled', { reason: c.reason, cancellationReason: c.reason })
    return replyMoved(ctx, before?.state ?? 'cancelled', kase.state, kase.id, null)
  },
  executor: async (ctx, c) => {
    const id = resolveMention(ctx, c.mention)
    await setCaseRole(ctx, reviewer(ctx), c.caseId, 'executor', id)
    return ctx.reply(ctx.t('executor_set', { case_id: c.caseId, person: ctx.directory.person(id)?.name ?? id }))
  },
  assign: async (ctx, c) => {
    const id = resolveMention(ctx, c.mention)
    await setCaseRole(ctx, reviewer(ctx), c.caseId, 'owner', id)
    return ctx.reply(ctx.t('owner_set', { case_id: c.caseId, person: ctx.directory.person(id)?.name ?? id }))
  },
}

function replyMoved(ctx: CommandContext, from: CaseState, to: CaseState, caseId: number, due: Date | null): Promise<void> {
  const none = ctx.wording.get('replies.none') ?? '-'
  return ctx.reply(
    ctx.t('moved', {
      case_id: caseId,
      from: label(ctx.wording, 'states', from),
      to: label(ctx.wording, 'states', to),
      due: due ? ctx.t('due_suffix', { due: formatTime(due, none, ctx.services.timeZone) }) : '',
    }),
  )
}
