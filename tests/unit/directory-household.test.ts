import { describe, expect, it } from 'vitest'
import { Directory } from '../../src/app/directory.js'
import { loadTenant } from '../../src/config/load-tenant.js'

describe('Directory.householdNames: whom a customer-side message may be calling', () => {
  const tenant = loadTenant('data/understanding/tenants/baoxian.yaml')
  const d = new Directory(tenant)

  it("names the other contacts and executors of the group's customers, by whole and given name and the familiar forms", () => {
    const wang = d.customersInGroup(tenant.customers.find((c) => c.key === 'wang')!.group)
    // the mother speaks: her son 王志刚 is who "志刚，…", "小王，…" or "阿刚，…" calls
    const toSon = d.householdNames(wang, 'wx-wang-ma')
    expect(toSon.slice(0, 2)).toEqual(['王志刚', '志刚'])
    expect(toSon).toEqual(expect.arrayContaining(['小王', '老王', '阿刚', '小刚']))
    // "王总，…" may as well be an employee reporting to the boss: not taken for a word to him alone
    expect(toSon).not.toContain('王总')
    // the son speaks: his mother, and never himself; her aliases are a surname and a title
    // ("王阿姨"), which may as well be anyone's word to her in business
    const toMother = d.householdNames(wang, 'wx-wang-son')
    expect(toMother).toEqual(expect.arrayContaining(['王秀芝', '秀芝']))
    expect(toMother).not.toContain('志刚')
    expect(toMother).not.toContain('王阿姨')
  })

  it('calls the customer by their aliases when someone else of the household speaks, never by a surname and a title', () => {
    const liu = tenant.customers.find((c) => c.key === 'liu')!
    const others = d.householdNames([liu], liu.executor ?? 'nobody')
    expect(others).toEqual(expect.arrayContaining(['婷婷', '小刘']))
    expect(others).not.toContain('刘小姐')
    // the customer speaking is not calling herself
    expect(d.householdNames([liu], liu.contact)).not.toContain('婷婷')
  })

  it('leaves out the familiar forms a staff member or partner can also be called by', () => {
    const all = d.householdNames(tenant.customers, 'nobody')
    // 冯小亮 is a partner: "阿亮", "小冯" are his, whoever else is called so
    expect(all).not.toContain('阿亮')
    expect(all).not.toContain('小冯')
    // 白浩 (handler) and 武经理 (supervisor): "小白", "老武" are staff
    expect(all).not.toContain('小白')
    expect(all).not.toContain('老武')
    expect(all).toContain('老郭')
  })

  it('leaves staff and partners out, and a group without customers names nobody', () => {
    const all = d.householdNames(tenant.customers, 'nobody')
    for (const p of tenant.people.filter((x) => x.roles.some((r) => r === 'handler' || r === 'supervisor' || r === 'partner'))) expect(all).not.toContain(p.name)
    expect(all).toContain('小马')
    expect(d.householdNames([], 'wx-guo')).toEqual([])
  })

  it('teamNames: what staff and partners are called by, their surname with a title included', () => {
    const team = d.teamNames()
    // 白浩 (handler), 冯小亮 (partner), 武经理 (supervisor, already titled)
    expect(team).toEqual(expect.arrayContaining(['白浩', '小白', '白经理', '白师傅', '冯小亮', '小亮', '阿亮', '冯师傅', '武经理', '老武']))
    expect(team).not.toContain('武经理经理')
    // and the titles that call anyone of the business
    expect(team).toEqual(expect.arrayContaining(['师傅', '老板', '群主']))
    // nobody on the customer side
    for (const c of tenant.customers) expect(team).not.toContain(c.name)
  })
})
