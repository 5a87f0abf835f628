import { z } from 'zod'
import { COMMAND_NAMES, COMMAND_SPECS } from '../domain/commands/command-specs.js'
import { readYamlConfig } from './read-yaml-config.js'

const PLACEHOLDER = /\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g

/** A template whose {placeholders} are all known to the code that fills it, and the required ones present. */
function template(allowed: readonly string[], required: readonly string[] = allowed) {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const used = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!)
      const unknown = used.filter((u) => !allowed.includes(u))
      const missing = required.filter((r) => !used.includes(r))
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}; allowed: ${allowed.map((a) => `{${a}}`).join(', ') || 'none'}` })
      if (missing.length > 0) ctx.addIssue({ code: 'custom', message: `expected placeholder ${missing.map((m) => `{${m}}`).join(', ')}` })
    })
}

/** The usage line must start with the command itself, so the hint never names another command. */
function usageEntry(name: string) {
  return z
    .object({
      usage: template([]).refine((u) => u === `/${name}` || u.startsWith(`/${name} `), `expected a line starting with "/${name}"`),
      summary: template([]),
    })
    .strict()
}
type UsageEntrySchema = ReturnType<typeof usageEntry>

const errorsSchema = z
  .object({
    unknown_command: template(['name']),
    unknown_command_suggestion: template(['name', 'suggestion']),
    bad_arguments: template(['usage']),
    empty: template([]),
    too_long: template([]),
    states: template(['states']),
  })
  .strict()

const listSchema = z
  .object({
    header: template([]),
    line: template(['usage', 'summary', 'aliases'], ['usage']),
    aliases: template(['aliases']),
  })
  .strict()

// `errors` and `list` share the file with the per-command entries; no usageKey may take those names.
const usageShape = Object.fromEntries(COMMAND_NAMES.map((n) => [COMMAND_SPECS[n].usageKey, usageEntry(n)])) as Record<string, UsageEntrySchema>

/** config/wording/commands.yaml: one entry per declared command, the error answers, the /help layout. */
export const commandWordingSchema = z.object({ ...usageShape, errors: errorsSchema, list: listSchema }).strict()

export type CommandUsage = z.infer<UsageEntrySchema>
export interface CommandWording {
  /** keyed by usageKey */
  usage: Readonly<Record<string, CommandUsage>>
  errors: z.infer<typeof errorsSchema>
  list: z.infer<typeof listSchema>
}

/** Reads and checks the command wording; a problem names the file, the key and what was expected. */
export function loadCommandWording(path: string): CommandWording {
  const { errors, list, ...usage } = readYamlConfig(path, commandWordingSchema)
  return { usage, errors, list }
}
