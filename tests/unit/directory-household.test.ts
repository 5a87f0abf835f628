import { describe, expect, it } from 'vitest'
import { Directory } from '../../src/app/directory.js'
import { loadTenant } from '../../src/config/load-tenant.js'

describe('Directory.householdNames: whom a customer-side message may be calling', () => {
  const tenant = loadTenant('data/understanding/tenants/baoxian.yaml')
  const d = new Directory(tenant)

  it("names the other contacts and executors of the group's customers, by whole and given name", () => {
    const wang = d.customersInGroup(tenant.customers.find((c) => c.key === 'wang')!.group)
    // the mother speaks: her son 王志刚 is who "志刚，…" calls
    expect(d.householdNames(wang, 'wx-wang-ma')).toEqual(['王志刚', '志刚'])
    // the son speaks: his mother, and never himself
    expect(d.householdNames(wang, 'wx-wang-son')).toEqual(['王秀芝', '秀芝'])
  })

  it('leaves staff and partners out, and a group without customers names nobody', () => {
    const all = d.householdNames(tenant.customers, 'nobody')
    for (const p of tenant.people.filter((x) => x.roles.some((r) => r === 'handler' || r === 'supervisor' || r === 'partner'))) expect(all).not.toContain(p.name)
    expect(all).toContain('小马')
    expect(d.householdNames([], 'wx-guo')).toEqual([])
  })
})
