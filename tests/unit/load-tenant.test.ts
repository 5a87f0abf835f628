import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { ConfigError } from '../../src/config/format-issues.js'
import { loadTenant, parseTenant } from '../../src/config/load-tenant.js'

const SANDBOX = readFileSync('config/sandbox.yaml', 'utf8')

function problemsOf(mutate: (doc: Record<string, any>) => void): string[] {
  const doc = parse(SANDBOX) as Record<string, any>
  mutate(doc)
  try {
    parseTenant(stringify(doc), 'tenant.yaml')
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('tenant configuration', () => {
  it('loads the sandbox tenant', () => {
    const t = loadTenant('config/sandbox.yaml')
    expect(t.groups.map((g) => g.kind).sort()).toEqual(['customer', 'customer', 'internal', 'partner', 'public_customer'])
    expect(t.people.some((p) => p.roles.includes('supervisor'))).toBe(true)
    expect(t.people.filter((p) => p.roles.includes('handler'))).toHaveLength(2)
    expect(t.customers[0]?.executor).toBe('wx-zhang-wife')
  })

  it.each<[string, (d: Record<string, any>) => void, string]>([
    ['a missing key', (d) => delete d.tenant.name, 'tenant.yaml: tenant.name — missing; expected string'],
    ['a wrong group kind', (d) => (d.groups[0].kind = 'vip'), 'tenant.yaml: groups[0].kind — expected one of "customer", "public_customer", "partner", "internal", got "vip"'],
    ['an unknown role', (d) => (d.people[0].roles = ['boss']), 'tenant.yaml: people[0].roles[0] — expected one of'],
    ['an unknown key', (d) => (d.groups[0].colour = 'red'), 'tenant.yaml: groups[0] — unknown key(s) "colour"'],
    ['a room id without @', (d) => (d.groups[0].id = 'room1'), 'tenant.yaml: groups[0].id — expected a WeCom room id containing "@"'],
    [
      'a group with neither id nor topic',
      (d) => {
        delete d.groups[0].id
        delete d.groups[0].topic
      },
      'tenant.yaml: groups[0] — expected "id" (WeCom room id) or "topic"',
    ],
    ['a customer in an unknown group', (d) => (d.customers[0].group = 'nowhere'), 'tenant.yaml: customers[0].group — a declared group key, got "nowhere"'],
    ['a customer in a partner group', (d) => (d.customers[0].group = 'partner-anxin'), 'tenant.yaml: customers[0].group — a customer or public_customer group, got partner group'],
    ['an undeclared contact', (d) => (d.customers[1].contact = 'wx-ghost'), 'tenant.yaml: customers[1].contact — a declared person id, got "wx-ghost"'],
    ['partner staff without the partner role', (d) => (d.partners[0].staff = ['wx-handler-wang']), 'tenant.yaml: partners[0].staff[0] — a person with role "partner"'],
    ['a duplicate person id', (d) => d.people.push({ ...d.people[0] }), 'tenant.yaml: people[7].id — a unique contact id'],
    ['no internal group', (d) => (d.groups = d.groups.filter((g: any) => g.kind !== 'internal')), 'tenant.yaml: groups — at least one internal group'],
    ['a bad phone tail', (d) => (d.customers[0].phoneTail = '12'), 'tenant.yaml: customers[0].phoneTail — expected the last 4 digits'],
  ])('reports %s with file, path and expectation', (_name, mutate, expected) => {
    const problems = problemsOf(mutate)
    expect(
      problems.some((p) => p.startsWith(expected)),
      problems.join('\n'),
    ).toBe(true)
  })

  it('reports every problem, one line each', () => {
    const problems = problemsOf((d) => {
      d.groups[0].kind = 'vip'
      d.people[0].roles = []
    })
    expect(problems).toHaveLength(2)
  })

  it('reports invalid YAML with its line', () => {
    expect(() => parseTenant('tenant:\n  name: [unclosed\n', 'broken.yaml')).toThrowError(/^broken\.yaml: line \d+, column \d+ — invalid YAML/)
  })

  it('reports a missing file', () => {
    expect(() => loadTenant('config/does-not-exist.yaml')).toThrowError(/config\/does-not-exist\.yaml: \(file\) — cannot be read: ENOENT/)
  })
})
