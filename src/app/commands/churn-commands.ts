import { CHURN_OUTCOMES, type ChurnOutcome } from '../../domain/growth/churn-score.js'
import { isAppError } from '../errors.js'
import { closeChurnTask } from '../growth/close-churn-task.js'
import { churnText, outcomeText, reasonsText } from '../growth/churn-wording.js'
import type { CommandContext } from './command-context.js'
import type { CommandCall } from './command-handlers.js'

type Call = Extract<CommandCall, { name: 'churn' }>

/** open tasks listed in chat; the console and the API list all */
const LISTED = 20
const TASK_ID = /^[#＃]?[tT]?(\d{1,9})$/

/** An outcome as typed: its key (retained) or its Chinese label (挽回). */
function outcomeOf(ctx: CommandContext, typed: string): ChurnOutcome | null {
  const w = typed.trim().toLowerCase()
  return CHURN_OUTCOMES.find((o) => o === w || ctx.wording.get(`growth.churn.outcomes.${o}`) === typed.trim()) ?? null
}

/** `/churn` lists the open intervention tasks; `/churn close <task> <outcome> [note]` closes one. */
export const CHURN_COMMAND_HANDLERS = {
  churn: async (ctx: CommandContext, c: Call): Promise<void> => {
    const deps = ctx.churn
    if (!deps?.cfg.churn) return ctx.reply(churnText(ctx.wording, 'off'))
    const windowDays = deps.cfg.churn.windowDays
    if (c.action === 'list') {
      const open = await deps.churn.listTasks({ status: 'open', limit: LISTED, offset: 0 })
      if (open.total === 0) return ctx.reply(churnText(ctx.wording, 'list_none'))
      const lines = open.items.map((t) => churnText(ctx.wording, 'list_line', { task: t.id, contact: t.contactName, score: t.score, reasons: reasonsText(ctx.wording, ctx.directory, t.reasons, windowDays) }))
      return ctx.reply([churnText(ctx.wording, 'list_header', { count: open.total }), ...lines].join('\n'))
    }
    const id = TASK_ID.exec((c.task ?? '').normalize('NFKC'))
    const outcome = c.outcome === null ? null : outcomeOf(ctx, c.outcome)
    if (!id || outcome === null) return ctx.reply(churnText(ctx.wording, 'bad_outcome', { outcomes: CHURN_OUTCOMES.map((o) => outcomeText(ctx.wording, o)).join('、') }))
    const taskId = Number(id[1])
    try {
      const r = await closeChurnTask(deps, taskId, outcome, ctx.talker.id, c.note)
      if (r.kind === 'already_closed') {
        const by = r.task.closedBy === null ? '' : (ctx.directory.person(r.task.closedBy)?.name ?? r.task.closedBy)
        return ctx.reply(churnText(ctx.wording, 'already_closed', { task: taskId, by, outcome: r.task.outcome === null ? '' : outcomeText(ctx.wording, r.task.outcome) }))
      }
      return ctx.reply(churnText(ctx.wording, 'closed', { task: taskId, contact: r.task.contactName, outcome: outcomeText(ctx.wording, outcome) }))
    } catch (err) {
      if (isAppError(err) && err.code === 'not_found') return ctx.reply(churnText(ctx.wording, 'not_found', { task: taskId }))
      throw err
    }
  },
}
