import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { ConfigError } from '../../src/config/format-issues.js'
import { parseTenant } from '../../src/config/load-tenant.js'
import { Directory } from '../../src/app/directory.js'
import { accountsOf, crossAccountMessageId, selectAccount } from '../../src/domain/accounts.js'

const SANDBOX = readFileSync('config/sandbox.yaml', 'utf8')

/** The sandbox tenant with two accounts: A in the customer groups, B in the partner group, both in the internal group. */
function twoAccounts(mutate: (doc: Record<string, any>) => void = () => undefined): Record<string, any> {
  const doc = parse(SANDBOX) as Record<string, any>
  delete doc['tenant'].bot
  doc['accounts'] = [
    { key: 'a', wecomId: 'wx-baton-a', displayName: 'Baton客服A' },
    { key: 'b', wecomId: 'wx-baton-b', displayName: 'Baton协调B' },
  ]
  for (const g of doc['groups'] as Array<Record<string, any>>) g['accounts'] = g['kind'] === 'partner' ? ['b'] : g['kind'] === 'internal' ? ['a', 'b'] : ['a']
  mutate(doc)
  return doc
}

function problemsOf(doc: Record<string, any>): string[] {
  try {
    parseTenant(stringify(doc), 'tenant.yaml')
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('several WeCom accounts in one tenant', () => {
  it('reads the old single tenant.bot as one account keyed "default", in every group', () => {
    const t = parseTenant(SANDBOX, 'sandbox.yaml')
    expect(accountsOf(t)).toEqual([{ key: 'default', wecomId: 'wx-baton', displayName: 'Baton助手' }])
    const d = new Directory(t)
    expect(d.accountsIn('partner-anxin')).toEqual(['default'])
    expect(d.accountsIn('internal')).toEqual(['default'])
    expect(d.isAccountId('wx-baton')).toBe(true)
    expect(d.isAccountId('wx-zhang')).toBe(false)
  })

  it('declares accounts and which of them sit in each group', () => {
    const t = parseTenant(stringify(twoAccounts()), 'tenant.yaml')
    const d = new Directory(t)
    expect(d.accounts.map((a) => a.key)).toEqual(['a', 'b'])
    expect(d.accountsIn('partner-anxin')).toEqual(['b'])
    expect(d.accountsIn('cust-zhang')).toEqual(['a'])
    expect(d.accountsIn('internal')).toEqual(['a', 'b'])
    expect(d.isAccountId('wx-baton-b')).toBe(true)
  })

  it('names the group that names an unknown account', () => {
    const problems = problemsOf(twoAccounts((d) => (d['groups'][3]['accounts'] = ['c'])))
    expect(problems).toEqual(['tenant.yaml: groups[3].accounts[0] — group "partner-anxin" names unknown account "c" (declared: a, b)'])
  })

  it('refuses a group without accounts when several are declared, duplicate keys, and bot beside accounts', () => {
    expect(problemsOf(twoAccounts((d) => delete d['groups'][0]['accounts']))).toEqual(['tenant.yaml: groups[0].accounts — group "cust-zhang" must name the account(s) in it (declared: a, b)'])
    expect(problemsOf(twoAccounts((d) => (d['accounts'][1]['key'] = 'a'))).some((p) => p.startsWith('tenant.yaml: accounts[1].key'))).toBe(true)
    expect(problemsOf(twoAccounts((d) => (d['tenant']['bot'] = { id: 'x', name: 'y' }))).some((p) => p.includes('either tenant.bot'))).toBe(true)
    expect(problemsOf(twoAccounts((d) => (d['accounts'][0]['wecomId'] = '')))).not.toEqual([])
  })

  it('selects the account a bot process serves', () => {
    const accounts = accountsOf(parseTenant(stringify(twoAccounts()), 'tenant.yaml'))
    expect(selectAccount(accounts, undefined)).toMatchObject({ key: 'a' })
    expect(selectAccount(accounts, 'b')).toMatchObject({ key: 'b' })
    expect(selectAccount(accounts, 'z')).toBe('BATON_ACCOUNT=z is not an account of this tenant (declared: a, b)')
  })

  it('gives one cross-account id per group, talker, text and second', () => {
    const base = { groupKey: 'internal', talkerId: 'wx-handler-wang', type: 'text', text: '/approve 3', saidAt: new Date('2026-12-06T10:00:00.100Z') }
    const id = crossAccountMessageId(base)
    expect(id).toMatch(/^fp-[0-9a-f]{40}$/)
    expect(crossAccountMessageId({ ...base, saidAt: new Date('2026-12-06T10:00:00.900Z') })).toBe(id)
    expect(crossAccountMessageId({ ...base, saidAt: new Date('2026-12-06T10:00:01.000Z') })).not.toBe(id)
    expect(crossAccountMessageId({ ...base, text: '/approve 4' })).not.toBe(id)
    expect(crossAccountMessageId({ ...base, talkerId: 'wx-handler-chen' })).not.toBe(id)
    expect(crossAccountMessageId({ ...base, groupKey: 'members' })).not.toBe(id)
  })
})
