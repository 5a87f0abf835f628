import { COMMAND_NAMES, COMMAND_SPECS, type ParseResult } from '../../domain/commands/parse-command.js'
import { renderTemplate } from '../../domain/render-template.js'
import type { Wording } from '../../config/load-wording-dir.js'
import type { CommandInput } from './route-command.js'

/** Turns a parse result into what the router runs or answers (help and errors in one line). */
export function toCommandInput(parsed: Exclude<ParseResult, { kind: 'not_command' }>, wording: Wording): CommandInput {
  const w = (key: string, vars: Record<string, string | undefined> = {}) => renderTemplate(wording.get(`commands.${key}`) ?? key, vars).text
  if (parsed.kind === 'error') {
    switch (parsed.code) {
      case 'unknown_command':
        return { kind: 'error', answer: w('errors.unknown', { name: parsed.name, suggestion: parsed.suggestion ? w('errors.suggestion', { suggestion: parsed.suggestion }) : '' }) }
      case 'bad_arguments':
        return { kind: 'error', answer: w('errors.bad_arguments', { usage: w(`usage.${parsed.name ?? 'help'}`) }) }
      case 'empty':
        return { kind: 'error', answer: w('errors.empty') }
      case 'too_long':
        return { kind: 'error', answer: w('errors.too_long') }
    }
  }
  const call = parsed.command
  if (call.name === 'help') {
    if (call.command && (COMMAND_NAMES as string[]).includes(call.command)) return { kind: 'help', answer: w(`usage.${call.command}`) }
    if (call.command) return { kind: 'error', answer: w('errors.unknown', { name: call.command, suggestion: '' }) }
    return { kind: 'help', answer: [w('help_header'), ...COMMAND_NAMES.map((n) => w(`usage.${n}`))].join('\n') }
  }
  return { kind: 'command', call, supervisorOnly: COMMAND_SPECS[call.name].supervisorOnly }
}
