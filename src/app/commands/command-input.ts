import { COMMAND_NAMES, COMMAND_SPECS, type CommandName, type ParseResult } from '../../domain/commands/parse-command.js'
import { renderTemplate } from '../../domain/render-template.js'
import { CASE_STATES } from '../../domain/types.js'
import { normalizeWord } from '../../domain/commands/match-args.js'
import type { Wording } from '../../config/load-wording-dir.js'
import type { CommandInput } from './route-command.js'

const stateNameCache = new WeakMap<Wording, Map<string, string>>()
/** The names the wording shows for case states (labels.states), each to its state code. */
export function stateNamesOf(wording: Wording): ReadonlyMap<string, string> {
  let names = stateNameCache.get(wording)
  if (!names) {
    names = new Map()
    for (const state of CASE_STATES) {
      const name = wording.get(`labels.states.${state}`)
      if (name) names.set(normalizeWord(name), state)
    }
    stateNameCache.set(wording, names)
  }
  return names
}

/** Turns a parse result into what the router runs or answers (help and errors in one line). */
export function toCommandInput(parsed: Exclude<ParseResult, { kind: 'not_command' }>, wording: Wording): CommandInput {
  const w = (key: string, vars: Record<string, string | undefined> = {}) => renderTemplate(wording.get(`commands.${key}`) ?? key, vars).text
  // one /help line: "usage — summary (aliases)"; the same line answers /help <command>
  const line = (name: CommandName) => {
    const spec = COMMAND_SPECS[name]
    const aliases = spec.aliases?.length ? w('list.aliases', { aliases: spec.aliases.map((a) => `/${a}`).join(' ') }) : ''
    return w('list.line', { usage: w(`${spec.usageKey}.usage`), summary: w(`${spec.usageKey}.summary`), aliases })
  }
  if (parsed.kind === 'error') {
    switch (parsed.code) {
      case 'unknown_command':
        return { kind: 'error', answer: w(parsed.suggestion ? 'errors.unknown_command_suggestion' : 'errors.unknown_command', { name: parsed.name, suggestion: parsed.suggestion }) }
      case 'bad_arguments': {
        const answer = w('errors.bad_arguments', { usage: w(`${parsed.usageKey ?? 'help'}.usage`) })
        // a state Baton does not know: say which it does, by the names people see
        if (parsed.detail === 'invalid:state') return { kind: 'error', answer: `${answer}\n${w('errors.states', { states: [...stateNamesOf(wording).keys()].join('、') })}` }
        return { kind: 'error', answer }
      }
      case 'empty':
        return { kind: 'error', answer: w('errors.empty') }
      case 'too_long':
        return { kind: 'error', answer: w('errors.too_long') }
    }
  }
  const call = parsed.command
  if (call.name === 'help') {
    if (call.topic) return { kind: 'help', answer: line(call.topic) }
    return { kind: 'help', answer: [w('list.header'), ...COMMAND_NAMES.map(line)].join('\n') }
  }
  return { kind: 'command', call, supervisorOnly: COMMAND_SPECS[call.name].supervisorOnly }
}
