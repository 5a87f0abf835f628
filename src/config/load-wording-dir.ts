import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ConfigError, visibleKey } from './format-issues.js'

/** Every user-facing template, keyed `<file>.<dotted.path>` (e.g. `labels.states.completed`). */
export type Wording = ReadonlyMap<string, string>

/**
 * Loads every `*.yaml` in the wording folder into one flat map. Leaves must be strings; a
 * problem is reported as `<file>: <path> — <expectation>`, one line each.
 */
export function loadWordingDir(dir: string): Wording {
  const out = new Map<string, string>()
  const problems: string[] = []
  let files: string[]
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  } catch (err) {
    throw new ConfigError([`${dir}: (folder) — cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  for (const file of files) {
    const path = join(dir, file)
    let doc: unknown
    try {
      doc = parse(readFileSync(path, 'utf8'))
    } catch (err) {
      problems.push(`${path}: (syntax) — invalid YAML: ${(err as Error).message.split('\n')[0]}`)
      continue
    }
    flatten(file.replace(/\.yaml$/, ''), doc, out, (p, what) => problems.push(`${path}: ${p} — ${what}`))
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return out
}

// `shown` is the path as a problem prints it: a key of only invisible characters (a stray BOM) is
// spelled out, or the line would name nothing
function flatten(prefix: string, value: unknown, out: Map<string, string>, problem: (path: string, what: string) => void, path = '', inside: ReadonlySet<object> = new Set(), shown = ''): void {
  if (typeof value === 'string') {
    out.set(prefix + (path ? `.${path}` : ''), value)
    return
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // a YAML alias to its own anchor makes a map that contains itself: report it, do not recurse forever
    if (inside.has(value)) return problem(shown || '(top level)', 'a map that contains itself (an alias to its own anchor)')
    const within = new Set(inside).add(value)
    for (const [k, v] of Object.entries(value)) flatten(prefix, v, out, problem, path ? `${path}.${k}` : k, within, shown ? `${shown}.${visibleKey(k)}` : visibleKey(k))
    return
  }
  problem(shown || '(top level)', `expected text or a map of texts, got ${Array.isArray(value) ? 'a list' : typeof value}`)
}

/** Looks a template up; a missing key is a configuration bug and says which key. */
export function wordingOf(w: Wording, key: string): string {
  const v = w.get(key)
  if (v === undefined) throw new ConfigError([`wording: ${key} — missing template`])
  return v
}
