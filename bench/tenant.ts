import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { stringify } from 'yaml'
import { loadTenant, type Tenant } from '../src/config/load-tenant.js'

/**
 * The benchmark's tenant: 200 watched groups (180 customer groups, 18 partner coordination
 * groups, one public customer group, one internal group), 180 customers with ~1,000 open orders
 * between them, 18 partners. Deterministic: the same shape every run.
 */
export const CUSTOMER_GROUPS = 180
export const PARTNERS = 18
export const OPEN_CASES = 1000

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高']
const GIVEN = ['建华', '秀英', '志强', '丽娟', '海燕', '国庆', '晓东', '雪梅', '子涵']
const PARTNER_NAMES = ['安心安装', '速达物流', '优家维修', '净水管家', '家电帮', '万家装', '顺心配送', '美居服务', '快修侠']

export interface BenchCustomer {
  key: string
  name: string
  group: string
  roomId: string
  contact: string
  executor: string
  partner: string
  orders: string[]
}

export interface BenchPartner {
  key: string
  name: string
  group: string
  roomId: string
  staff: string[]
}

export interface BenchWorld {
  customers: BenchCustomer[]
  partners: BenchPartner[]
  handlers: Array<{ id: string; name: string }>
  supervisor: { id: string; name: string }
  internalGroup: string
  publicGroup: string
  bot: { id: string; name: string }
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

export function benchWorld(): BenchWorld {
  const partners: BenchPartner[] = Array.from({ length: PARTNERS }, (_, i) => ({
    key: `p${pad(i, 2)}`,
    name: `${PARTNER_NAMES[i % PARTNER_NAMES.length]}${i >= PARTNER_NAMES.length ? '二部' : ''}`,
    group: `partner-${pad(i, 2)}`,
    roomId: `r-partner-${pad(i, 2)}@chatroom`,
    staff: [`wx-p${pad(i, 2)}-a`, `wx-p${pad(i, 2)}-b`],
  }))
  let order = 0
  const customers: BenchCustomer[] = Array.from({ length: CUSTOMER_GROUPS }, (_, i) => {
    const perCustomer = Math.floor(OPEN_CASES / CUSTOMER_GROUPS) + (i < OPEN_CASES % CUSTOMER_GROUPS ? 1 : 0)
    const orders = Array.from({ length: perCustomer }, () => `DD2026${pad(++order, 6)}`)
    return {
      key: `c${pad(i, 3)}`,
      name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]}`,
      group: `cust-${pad(i, 3)}`,
      roomId: `r-cust-${pad(i, 3)}@chatroom`,
      contact: `wx-c${pad(i, 3)}`,
      // every third customer has someone else at home who must actually act
      executor: i % 3 === 0 ? `wx-c${pad(i, 3)}-home` : `wx-c${pad(i, 3)}`,
      partner: partners[i % PARTNERS]!.key,
      orders,
    }
  })
  return {
    customers,
    partners,
    handlers: [
      { id: 'wx-h-wang', name: '王小美' },
      { id: 'wx-h-chen', name: '陈明' },
      { id: 'wx-h-sun', name: '孙悦' },
      { id: 'wx-h-he', name: '何静' },
    ],
    supervisor: { id: 'wx-s-liu', name: '刘主管' },
    internalGroup: 'internal',
    publicGroup: 'members',
    bot: { id: 'wx-baton', name: 'Baton助手' },
  }
}

/**
 * The accounts of the two-account line: A serves the even customer groups and the public group,
 * B the odd ones and the partner groups; every tenth customer group and the internal group have
 * both (each message there reaches Baton twice and must be recorded once).
 */
export function benchAccountsOf(world: BenchWorld, groupKey: string): Array<'a' | 'b'> {
  if (groupKey === world.internalGroup) return ['a', 'b']
  if (groupKey === world.publicGroup) return ['a']
  const i = world.customers.findIndex((c) => c.group === groupKey)
  if (i < 0) return ['b']
  return i % 10 === 0 ? ['a', 'b'] : i % 2 === 0 ? ['a'] : ['b']
}

/** Writes the tenant file (paths point at the repository's lexicon, knowledge, wording and understanding files). */
export function writeBenchTenant(file: string, world = benchWorld(), opts: { twoAccounts?: boolean } = {}): Tenant {
  const dir = dirname(resolve(file))
  const configDir = resolve(import.meta.dirname, '..', 'config')
  const rel = (p: string) => relative(dir, resolve(configDir, p))
  const doc = {
    tenant: { name: '基准测试租户', ...(opts.twoAccounts ? {} : { bot: world.bot }) },
    ...(opts.twoAccounts
      ? {
          accounts: [
            { key: 'a', wecomId: 'wx-baton-a', displayName: 'Baton客服A' },
            { key: 'b', wecomId: 'wx-baton-b', displayName: 'Baton协调B' },
          ],
        }
      : {}),
    groups: [
      ...world.customers.map((c) => ({ key: c.group, id: c.roomId, topic: `${c.name}·服务群`, kind: 'customer' })),
      ...world.partners.map((p) => ({ key: p.group, id: p.roomId, topic: `${p.name}·协调群`, kind: 'partner' })),
      { key: world.publicGroup, id: 'r-members@chatroom', topic: '会员交流群', kind: 'public_customer' },
      { key: world.internalGroup, id: 'r-internal@chatroom', topic: '客服内部群', kind: 'internal' },
    ].map((g) => (opts.twoAccounts ? { ...g, accounts: benchAccountsOf(world, g.key) } : g)),
    people: [
      ...world.customers.flatMap((c) => [
        { id: c.contact, name: c.name, roles: c.executor === c.contact ? ['customer_contact', 'executor'] : ['customer_contact'] },
        ...(c.executor !== c.contact ? [{ id: c.executor, name: `${c.name}家人`, roles: ['executor'] }] : []),
      ]),
      ...world.partners.flatMap((p) => p.staff.map((id, j) => ({ id, name: `${p.name}${j === 0 ? '刘师傅' : '小郑'}`, roles: ['partner'] }))),
      ...world.handlers.map((h) => ({ ...h, roles: ['handler'] })),
      { ...world.supervisor, roles: ['supervisor'] },
    ],
    customers: world.customers.map((c) => ({ key: c.key, name: c.name, orderNumbers: c.orders, group: c.group, contact: c.contact, executor: c.executor, serviceType: 'after_sales' })),
    partners: world.partners.map((p) => ({ key: p.key, name: p.name, group: p.group, staff: p.staff })),
    policy: { automaticCategories: ['reminder', 'material_received'] },
    // "rate limits set high": the benchmark measures Baton, not WeCom's throttle
    outbound: { perGroupPerMinute: 100000, perAccountPerMinute: 100000 },
    paths: { lexicon: rel('lexicon.yaml'), knowledge: rel('knowledge'), wording: rel('wording'), understanding: rel('understanding') },
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(file, `# generated by bench/tenant.ts; do not edit\n${stringify(doc)}`)
  return loadTenant(file)
}
