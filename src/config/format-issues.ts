import type { ZodIssue } from 'zod'

// a key of only spaces or invisible characters (a stray BOM) would print as nothing at all
const INVISIBLE_ONLY = /^[\s\u00AD\u180E\u200B-\u200F\u2028-\u202F\u2060-\u206F\uFEFF]*$/u
export const visibleKey = (key: string): string => (INVISIBLE_ONLY.test(key) ? `"${[...key].map((c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`).join('')}"` : key)

/** One line per problem: `<file>: <path.inside> — <what was expected>`. */
export function formatIssuePath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(top level)'
  return path
    .map((part) => (typeof part === 'number' ? part : visibleKey(part)))
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('')
}

export function formatZodIssues(file: string, issues: readonly ZodIssue[]): string[] {
  return issues.map((issue) => `${file}: ${formatIssuePath(issue.path)} — ${describeIssue(issue)}`)
}

function describeIssue(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? `missing; expected ${issue.expected}` : `expected ${issue.expected}, got ${issue.received}`
    case 'invalid_enum_value':
      return `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${JSON.stringify(issue.received)}`
    case 'unrecognized_keys':
      return `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
    default:
      return issue.message
  }
}

/** Thrown by config loaders; `problems` holds the formatted lines. */
export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(problems.join('\n'))
    this.name = 'ConfigError'
    this.problems = problems
  }
}
