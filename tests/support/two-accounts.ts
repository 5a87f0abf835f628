import { readFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import { parseTenant, type Tenant } from '../../src/config/load-tenant.js'

/**
 * The sandbox tenant run by two WeCom accounts: A (`wx-baton-a`) sits in the customer groups, B
 * (`wx-baton-b`) in the partner group, both in the internal group.
 */
export function twoAccountTenant(mutate: (doc: Record<string, any>) => void = () => undefined): Tenant {
  const doc = parse(readFileSync('config/sandbox.yaml', 'utf8')) as Record<string, any>
  delete doc['tenant'].bot
  doc['accounts'] = [
    { key: 'a', wecomId: 'wx-baton-a', displayName: 'Baton客服A' },
    { key: 'b', wecomId: 'wx-baton-b', displayName: 'Baton协调B' },
  ]
  for (const g of doc['groups'] as Array<Record<string, any>>) g['accounts'] = g['kind'] === 'partner' ? ['b'] : g['kind'] === 'internal' ? ['a', 'b'] : ['a']
  mutate(doc)
  return parseTenant(stringify(doc), 'config/two-accounts.yaml')
}
