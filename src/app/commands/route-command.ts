import { renderTemplate } from '../../domain/render-template.js'
import { formatDuration } from '../../domain/duration.js'
import { wordingOf } from '../../config/load-wording-dir.js'
import { label } from '../case-facts-text.js'
import { isAppError } from '../errors.js'
import { formatTime } from './case-card.js'
import type { RecordedMessage } from '../inbound-message.js'
import type { CommandContext, CommandServices } from './command-context.js'
import { COMMAND_HANDLERS, type CommandCall } from './command-handlers.js'

/** A parsed chat command, or why it could not be parsed (with the wording key of its answer). */
export type CommandInput = { kind: 'command'; call: CommandCall; supervisorOnly: boolean } | { kind: 'error'; answer: string } | { kind: 'help'; answer: string }

export type RouteOutcome = 'executed' | 'answered' | 'refused' | 'ignored_elsewhere' | 'failed'

/**
 * Runs a command with Bolt-like guards: only in an internal group or a DM with the bot, only
 * from handlers and supervisors (by WeCom id), supervisor-only commands checked last. A command
 * typed anywhere else is never executed and never answered there; the internal group is told.
 */
export async function routeCommand(svc: CommandServices, msg: RecordedMessage, input: CommandInput): Promise<RouteOutcome> {
  const t = (key: string, vars: Record<string, string | number | undefined> = {}) => renderTemplate(wordingOf(svc.wording, `replies.${key}`), vars).text
  const now = svc.clock.now()

  if (msg.channel !== 'internal' && msg.channel !== 'direct') {
    const internal = svc.directory.internalGroups()[0]
    if (internal) {
      const text = t('command_elsewhere', {
        // a listed person by name; anyone else by display name and WeCom id, since a display name
        // can copy a handler's
        who: svc.directory.person(msg.talkerId)?.name ?? t('unlisted_member', { name: msg.talkerName ?? '-', id: msg.talkerId }),
        group: (msg.groupKey && svc.directory.group(msg.groupKey)?.topic) || msg.groupKey || '-',
        command: msg.text.trim().slice(0, 60),
      })
      await svc.store.transaction((tx) => tx.insertSend({ kind: 'notice', groupKey: internal.key, text }, now).then(() => undefined))
    }
    svc.log.warn({ messageId: msg.wecomId, group: msg.groupKey, talker: msg.talkerId }, 'command outside the internal group ignored')
    return 'ignored_elsewhere'
  }

  const reply = async (text: string): Promise<void> => {
    const target = msg.channel === 'direct' ? { contactId: msg.talkerId } : { groupKey: msg.groupKey }
    await svc.store.transaction((tx) => tx.insertSend({ kind: 'reply', ...target, text }, svc.clock.now()).then(() => undefined))
  }

  const handler = svc.directory.hasRole(msg.talkerId, 'handler')
  const supervisor = svc.directory.hasRole(msg.talkerId, 'supervisor')
  if (!handler && !supervisor) {
    // refused without revealing anything about drafts or cases
    await reply(t('forbidden'))
    svc.log.warn({ messageId: msg.wecomId, talker: msg.talkerId }, 'command from someone without the role refused')
    return 'refused'
  }
  if (input.kind !== 'command') {
    await reply(input.answer)
    return 'answered'
  }
  if (input.supervisorOnly && !supervisor) {
    await reply(t('supervisor_only'))
    return 'refused'
  }
  const ctx: CommandContext = {
    ...svc,
    message: msg,
    talker: { id: msg.talkerId, name: svc.directory.person(msg.talkerId)?.name ?? msg.talkerName, handler, supervisor },
    reply,
    t,
  }
  try {
    await (COMMAND_HANDLERS[input.call.name] as (c: CommandContext, call: CommandCall) => Promise<void>)(ctx, input.call)
    return 'executed'
  } catch (err) {
    const answer = answerFor(err, input.call, t, svc)
    if (answer === null) {
      svc.log.error({ messageId: msg.wecomId, err: { message: (err as Error).message, stack: (err as Error).stack } }, 'command failed')
      await reply(t('internal_error'))
      return 'failed'
    }
    await reply(answer)
    return 'answered'
  }
}

function answerFor(err: unknown, call: CommandCall, t: (k: string, v?: Record<string, string | number | undefined>) => string, svc: CommandServices): string | null {
  if (!isAppError(err)) return null
  const d = err.details as Record<string, unknown>
  switch (err.code) {
    case 'not_found':
      if (d['entity'] === 'draft') return t('draft_not_found', { draft_id: String(d['id']) })
      if (d['entity'] === 'case') return t('case_not_found', { case_id: String(d['id']) })
      if (d['entity'] === 'customer') {
        const close = Array.isArray(d['suggestions']) ? (d['suggestions'] as string[]) : []
        return t(close.length > 0 ? 'customer_not_found_close' : 'customer_not_found', { ref: String(d['ref']), close: close.join('、') })
      }
      return t('person_not_found')
    case 'already_decided': {
      const by = d['decidedBy'] === 'baton' ? label(svc.wording, 'actors', 'baton') : typeof d['decidedBy'] === 'string' ? (svc.directory.person(d['decidedBy'])?.name ?? d['decidedBy']) : '-'
      const at = typeof d['decidedAt'] === 'string' ? formatTime(new Date(d['decidedAt']), '-', svc.services.timeZone) : '-'
      if (d['status'] === 'expired') return t('draft_expired', { draft_id: String(d['id']), at, expiry: formatDuration(svc.services.draftExpiryMs) })
      return t('already_decided', { draft_id: String(d['id']), by, at, status: label(svc.wording, 'draftStatus', String(d['status'])) })
    }
    case 'illegal_transition':
      return t('illegal_transition', {
        case_id: String(typeof d['caseId'] === 'number' ? d['caseId'] : 'caseId' in call ? call.caseId : ''),
        from: svc.wording.get(`labels.states.${String(d['from'])}`) ?? String(d['from']),
        to: svc.wording.get(`labels.states.${String(d['to'])}`) ?? String(d['to']),
      })
    case 'forbidden':
      return t('supervisor_only')
    case 'conflict':
      if (d['reason'] === 'no_timer') return t('no_timer', { case_id: String(d['id']) })
      if (d['reason'] === 'not_sent') return t('not_sent', { draft_id: String(d['id']) })
      if (d['reason'] === 'already_recalled') return t('already_recalled', { draft_id: String(d['id']) })
      return t('case_closed', { case_id: String(d['id']), state: svc.wording.get(`labels.states.${String(d['state'])}`) ?? String(d['state']) })
    case 'bad_arguments':
      if (d['reason'] === 'not_a_handler') return t('not_a_handler', { person: String(d['name']) })
      return t('bad_input')
    default:
      return null
  }
}
