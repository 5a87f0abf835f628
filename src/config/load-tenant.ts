import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { ConfigError, formatIssuePath, formatZodIssues } from './format-issues.js'
import { tenantSchema, type TenantFile } from './tenant-schema.js'

export interface Tenant extends TenantFile {
  /** Absolute path of the file it came from (for messages and relative paths). */
  file: string
  dir: string
}

/** Reads, parses and validates a tenant file; throws ConfigError with one line per problem. */
export function loadTenant(path: string): Tenant {
  const file = resolve(path)
  let source: string
  try {
    source = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError([`${path}: (file) — cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  return parseTenant(source, path, file)
}

export function parseTenant(source: string, displayName: string, file = resolve(displayName)): Tenant {
  const lines = new LineCounter()
  const doc = parseDocument(source, { prettyErrors: false, uniqueKeys: true, lineCounter: lines, logLevel: 'silent' })
  // warnings too: an unknown tag (`!!js/function`) would otherwise load silently as text
  const issues = [...doc.errors, ...doc.warnings]
  if (issues.length > 0) {
    throw new ConfigError(
      issues.map((e) => {
        const pos = lines.linePos(e.pos[0])
        const where = `line ${pos.line}, column ${pos.col}`
        return `${displayName}: ${where} — invalid YAML: ${e.message.split('\n')[0]}`
      }),
    )
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    // an alias without its anchor, or an alias bomb (exponential expansion)
    throw new ConfigError([`${displayName}: (document) — invalid YAML: ${(err as Error).message.split('\n')[0]}`])
  }
  const parsed = tenantSchema.safeParse(data)
  if (!parsed.success) throw new ConfigError(formatZodIssues(displayName, parsed.error.issues))
  const problems = crossCheck(parsed.data).map((p) => `${displayName}: ${formatIssuePath(p.path)} — ${p.expected}`)
  if (problems.length > 0) throw new ConfigError(problems)
  return { ...parsed.data, file, dir: dirname(file) }
}

interface Problem {
  path: (string | number)[]
  expected: string
}

/** References between sections: keys must exist, be unique, and point at the right kind. */
function crossCheck(t: TenantFile): Problem[] {
  const problems: Problem[] = []
  const groups = new Map(t.groups.map((g) => [g.key, g]))
  const people = new Map(t.people.map((p) => [p.id, p]))

  duplicates(t.groups.map((g) => g.key)).forEach((i) => problems.push({ path: ['groups', i, 'key'], expected: 'a unique group key' }))
  duplicates(t.groups.map((g) => g.id)).forEach((i) => problems.push({ path: ['groups', i, 'id'], expected: 'a unique room id' }))
  duplicates(t.people.map((p) => p.id)).forEach((i) => problems.push({ path: ['people', i, 'id'], expected: 'a unique contact id' }))
  duplicates(t.customers.map((c) => c.key)).forEach((i) => problems.push({ path: ['customers', i, 'key'], expected: 'a unique customer key' }))
  duplicates(t.partners.map((p) => p.key)).forEach((i) => problems.push({ path: ['partners', i, 'key'], expected: 'a unique partner key' }))

  t.customers.forEach((c, i) => {
    const g = groups.get(c.group)
    if (!g) problems.push({ path: ['customers', i, 'group'], expected: `a declared group key, got ${JSON.stringify(c.group)}` })
    else if (g.kind !== 'customer' && g.kind !== 'public_customer')
      problems.push({ path: ['customers', i, 'group'], expected: `a customer or public_customer group, got ${g.kind} group ${JSON.stringify(c.group)}` })
    if (!people.has(c.contact)) problems.push({ path: ['customers', i, 'contact'], expected: `a declared person id, got ${JSON.stringify(c.contact)}` })
    if (c.executor !== undefined && !people.has(c.executor)) problems.push({ path: ['customers', i, 'executor'], expected: `a declared person id, got ${JSON.stringify(c.executor)}` })
  })
  t.partners.forEach((p, i) => {
    const g = groups.get(p.group)
    if (!g) problems.push({ path: ['partners', i, 'group'], expected: `a declared group key, got ${JSON.stringify(p.group)}` })
    else if (g.kind !== 'partner') problems.push({ path: ['partners', i, 'group'], expected: `a partner group, got ${g.kind} group ${JSON.stringify(p.group)}` })
    p.staff.forEach((id, j) => {
      const person = people.get(id)
      if (!person) problems.push({ path: ['partners', i, 'staff', j], expected: `a declared person id, got ${JSON.stringify(id)}` })
      else if (!person.roles.includes('partner')) problems.push({ path: ['partners', i, 'staff', j], expected: `a person with role "partner", ${JSON.stringify(id)} has ${person.roles.join(', ')}` })
    })
  })
  problems.push(...accountProblems(t))
  if (!t.groups.some((g) => g.kind === 'internal')) problems.push({ path: ['groups'], expected: 'at least one internal group (review notices go there)' })
  return problems
}

/** Accounts: unique keys and ids; every group names declared accounts (several: each must). */
function accountProblems(t: TenantFile): Problem[] {
  const problems: Problem[] = []
  const accounts = t.accounts ?? []
  if (t.accounts && t.tenant.bot) problems.push({ path: ['tenant', 'bot'], expected: 'either tenant.bot (one account) or accounts[], not both' })
  duplicates(accounts.map((a) => a.key)).forEach((i) => problems.push({ path: ['accounts', i, 'key'], expected: 'a unique account key' }))
  duplicates(accounts.map((a) => a.wecomId)).forEach((i) => problems.push({ path: ['accounts', i, 'wecomId'], expected: 'a unique WeCom id' }))
  const known = new Set(accounts.length > 0 ? accounts.map((a) => a.key) : ['default'])
  t.groups.forEach((g, i) => {
    if (g.accounts === undefined) {
      if (accounts.length > 1) problems.push({ path: ['groups', i, 'accounts'], expected: `group ${JSON.stringify(g.key)} must name the account(s) in it (declared: ${[...known].join(', ')})` })
      return
    }
    g.accounts.forEach((a, j) => {
      if (!known.has(a)) problems.push({ path: ['groups', i, 'accounts', j], expected: `group ${JSON.stringify(g.key)} names unknown account ${JSON.stringify(a)} (declared: ${[...known].join(', ')})` })
    })
    duplicates(g.accounts).forEach((j) => problems.push({ path: ['groups', i, 'accounts', j], expected: `group ${JSON.stringify(g.key)} names account ${JSON.stringify(g.accounts![j])} twice` }))
  })
  return problems
}

function duplicates(values: ReadonlyArray<string | undefined>): number[] {
  const seen = new Set<string>()
  const out: number[] = []
  values.forEach((v, i) => {
    if (v === undefined) return
    if (seen.has(v)) out.push(i)
    seen.add(v)
  })
  return out
}
