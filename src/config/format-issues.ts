import type { ZodIssue } from 'zod'

/** One line per problem: `<file>: <path.inside> — <what was expected>`. */
export function formatIssuePath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(top level)'
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('')
}

export function formatZodIssues(file: string, issues: readonly ZodIssue[]): string[] {
  return issues.map((issue) => `${file}: ${formatIssuePath(issue.path)} — ${describeIssue(issue)}`)
}

function describeIssue(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined'
        ? `missing; expected ${issue.expected}`
        : `expected ${issue.expected}, got ${issue.received}`
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
