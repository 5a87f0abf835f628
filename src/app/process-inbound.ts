import { parseCommand } from '../domain/commands/parse-command.js'
import type { CommandServices } from './commands/command-context.js'
import { toCommandInput } from './commands/command-input.js'
import { routeCommand } from './commands/route-command.js'
import { handleMessage } from './handle-message.js'
import type { RecordedMessage } from './inbound-message.js'
import type { MessageStore } from './ports.js'
import type { HandlingMode } from '../domain/types.js'

/**
 * What happens to a message once it is recorded: a slash command goes to the command router
 * (which refuses it outside internal groups and DMs), everything else is decided.
 */
export async function processRecorded(deps: CommandServices & { messages: MessageStore }, msg: RecordedMessage): Promise<HandlingMode | 'command' | null> {
  if (msg.direction !== 'inbound') return null
  const parsed = msg.type === 'text' ? parseCommand(msg.text) : ({ kind: 'not_command' } as const)
  if (parsed.kind === 'not_command') return (await handleMessage(deps, msg)).decision.mode
  await routeCommand(deps, msg, toCommandInput(parsed, deps.wording))
  await deps.messages.markHandled(msg.id, deps.clock.now())
  return 'command'
}
