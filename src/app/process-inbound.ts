import { parseCommand } from '../domain/commands/parse-command.js'
import type { CommandServices } from './commands/command-context.js'
import { stateNamesOf, toCommandInput } from './commands/command-input.js'
import { routeCommand } from './commands/route-command.js'
import { handleMessage, handleMessages } from './handle-message.js'
import type { RecordedMessage } from './inbound-message.js'
import type { MessageStore } from './ports.js'
import type { HandlingMode } from '../domain/types.js'
import type { ContactActivity } from './growth/note-contact-activity.js'

/** growth: told how each message was decided (a complaint on a case may tag the contact) */
type GrowthNotes = { contacts?: Pick<ContactActivity, 'decided'> }

/**
 * What happens to a message once it is recorded: a slash command goes to the command router
 * (which refuses it outside internal groups and DMs), everything else is decided.
 */
export async function processRecorded(deps: CommandServices & { messages: MessageStore } & GrowthNotes, msg: RecordedMessage): Promise<HandlingMode | 'command' | null> {
  if (msg.direction !== 'inbound') return null
  const parsed = msg.type === 'text' ? parseCommand(msg.text, { stateNames: stateNamesOf(deps.wording) }) : ({ kind: 'not_command' } as const)
  if (parsed.kind === 'not_command') {
    const outcome = await handleMessage(deps, msg)
    deps.contacts?.decided(msg, outcome)
    return outcome.decision.mode
  }
  await routeCommand(deps, msg, toCommandInput(parsed, deps.wording))
  await deps.messages.markHandled(msg.id, deps.clock.now())
  return 'command'
}

/**
 * processRecorded for messages that arrived together: ordinary messages are decided in batches
 * (handleMessages), commands run one at a time between them, all in arrival order. Baton's own
 * messages (outbound, heard back from WeCom) need nothing and do not split a batch: at 100 msg/s
 * the team notices Baton sent came back between customers' messages and cut every batch into
 * runs of two or three, each a transaction of its own, so decisions fell behind by up to a second.
 */
export async function processRecordedBatch(
  deps: CommandServices & { messages: MessageStore; isOutage?: (err: unknown) => boolean } & GrowthNotes,
  msgs: readonly RecordedMessage[],
): Promise<Array<PromiseSettledResult<HandlingMode | 'command' | null>>> {
  const out = new Array<PromiseSettledResult<HandlingMode | 'command' | null>>(msgs.length)
  let run: number[] = []
  const flush = async (): Promise<void> => {
    if (run.length === 0) return
    const at = run
    run = []
    const decided = await handleMessages(
      deps,
      at.map((i) => msgs[i]!),
    )
    decided.forEach((r, k) => {
      if (r.status === 'fulfilled') deps.contacts?.decided(msgs[at[k]!]!, r.value)
      out[at[k]!] = r.status === 'fulfilled' ? { status: 'fulfilled', value: r.value.decision.mode } : r
    })
  }
  for (const [i, msg] of msgs.entries()) {
    if (msg.direction !== 'inbound') {
      out[i] = { status: 'fulfilled', value: null }
      continue
    }
    if (msg.type !== 'text' || parseCommand(msg.text).kind === 'not_command') {
      run.push(i)
      continue
    }
    await flush()
    out[i] = await processRecorded(deps, msg).then(
      (value) => ({ status: 'fulfilled' as const, value }),
      (reason: unknown) => ({ status: 'rejected' as const, reason }),
    )
  }
  await flush()
  return out
}
