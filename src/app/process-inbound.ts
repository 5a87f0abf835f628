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
 * (handleMessages), commands run one at a time between them, all in arrival order.
 */
export async function processRecordedBatch(
  deps: CommandServices & { messages: MessageStore; isOutage?: (err: unknown) => boolean } & GrowthNotes,
  msgs: readonly RecordedMessage[],
): Promise<Array<PromiseSettledResult<HandlingMode | 'command' | null>>> {
  const out: Array<PromiseSettledResult<HandlingMode | 'command' | null>> = []
  let run: RecordedMessage[] = []
  const flush = async (): Promise<void> => {
    if (run.length === 0) return
    const decided = await handleMessages(deps, run)
    decided.forEach((r, i) => {
      if (r.status === 'fulfilled') deps.contacts?.decided(run[i]!, r.value)
      out.push(r.status === 'fulfilled' ? { status: 'fulfilled', value: r.value.decision.mode } : r)
    })
    run = []
  }
  for (const msg of msgs) {
    const isPlain = msg.direction === 'inbound' && (msg.type !== 'text' || parseCommand(msg.text).kind === 'not_command')
    if (isPlain) {
      run.push(msg)
      continue
    }
    await flush()
    out.push(
      await processRecorded(deps, msg).then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      ),
    )
  }
  await flush()
  return out
}
