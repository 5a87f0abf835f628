import type { Tenant } from '../config/load-tenant.js'
import type { CustomerConfig, GroupConfig, PartnerConfig, PersonConfig } from '../config/tenant-schema.js'
import type { Channel, Role, TalkerRole } from '../domain/types.js'
import { accountsInGroup, accountsOf, type Account } from '../domain/accounts.js'
import { BUSINESS_CALLS, TEAM_TITLES, familiarCallNames, householdCallNames, isTitledName, surnameOf } from '../domain/understanding/index.js'

/**
 * The tenant's people, groups, customers and partners, looked up by WeCom id. Authorization
 * always goes through ids here, never through display names.
 */
export class Directory {
  readonly groups: readonly GroupConfig[]
  readonly customers: readonly CustomerConfig[]
  readonly partners: readonly PartnerConfig[]
  private readonly byRoomId = new Map<string, GroupConfig>()
  private readonly byTopic = new Map<string, GroupConfig>()
  private readonly byKey = new Map<string, GroupConfig>()
  private readonly people = new Map<string, PersonConfig>()
  /** the tenant's WeCom accounts, in declared order (the first is the default) */
  readonly accounts: readonly Account[]
  private readonly accountIds: ReadonlySet<string>

  constructor(tenant: Pick<Tenant, 'groups' | 'people' | 'customers' | 'partners'> & Partial<Pick<Tenant, 'tenant' | 'accounts'>>) {
    this.accounts = accountsOf({ tenant: tenant.tenant ?? {}, accounts: tenant.accounts })
    this.accountIds = new Set(this.accounts.flatMap((a) => (a.wecomId ? [a.wecomId] : [])))
    this.groups = tenant.groups
    this.customers = tenant.customers
    this.partners = tenant.partners
    for (const g of tenant.groups) {
      this.byKey.set(g.key, g)
      if (g.id) this.byRoomId.set(g.id, g)
      if (g.topic && !g.id) this.byTopic.set(g.topic, g)
    }
    for (const p of tenant.people) this.people.set(p.id, p)
  }

  /** A watched group by room id, or by topic for groups declared without an id. */
  groupForRoom(roomId: string, topic?: string): GroupConfig | undefined {
    const byId = this.byRoomId.get(roomId)
    if (byId) return byId
    if (topic === undefined) return undefined
    const byTopic = this.byTopic.get(topic)
    if (byTopic) this.byRoomId.set(roomId, byTopic) // learnt once; ids are stable per room
    return byTopic
  }

  /** True when some group is declared by topic only (the adapter must fetch topics). */
  get needsTopics(): boolean {
    return this.byTopic.size > 0
  }

  group(key: string): GroupConfig | undefined {
    return this.byKey.get(key)
  }

  roomIdOf(key: string): string | undefined {
    const g = this.byKey.get(key)
    if (g?.id) return g.id
    for (const [roomId, group] of this.byRoomId) if (group.key === key) return roomId
    return undefined
  }

  /** Keys of the accounts that sit in a group, in declared order (unknown group: none). */
  accountsIn(groupKey: string): string[] {
    const g = this.byKey.get(groupKey)
    return g ? accountsInGroup(g, this.accounts) : []
  }

  /** True when a contact id is one of the tenant's own accounts (another bot's message is ours). */
  isAccountId(id: string): boolean {
    return this.accountIds.has(id)
  }

  person(id: string): PersonConfig | undefined {
    return this.people.get(id)
  }

  hasRole(id: string, ...roles: Role[]): boolean {
    const p = this.people.get(id)
    return p !== undefined && p.roles.some((r) => roles.includes(r))
  }

  /** The single role that matters for deciding, with staff roles first. */
  talkerRole(id: string, channel: Channel): TalkerRole {
    const p = this.people.get(id)
    if (!p) return 'unknown'
    const order: Role[] = channel === 'partner' ? ['partner', 'supervisor', 'handler', 'customer_contact', 'executor'] : ['supervisor', 'handler', 'partner', 'customer_contact', 'executor']
    return order.find((r) => p.roles.includes(r)) ?? 'unknown'
  }

  customersInGroup(groupKey: string): CustomerConfig[] {
    return this.customers.filter((c) => c.group === groupKey)
  }

  /**
   * What the customer side of these customers (their contacts and executors, `except` left out)
   * is called by in their group: a message opening with one of these is said to that person.
   * Staff and partners are never in it, so "王经理，周四可以" stays an answer to the team.
   */
  householdNames(customers: readonly CustomerConfig[], except: string): string[] {
    const ids = new Set(customers.flatMap((c) => [c.contact, ...(c.executor ? [c.executor] : [])]))
    ids.delete(except)
    const names = [...ids].flatMap((id) => {
      const p = this.people.get(id)
      return p && !isTeamSide(p) ? this.callNamesOf(p) : []
    })
    // the customer's aliases ("老刘", "甜甜"), when someone else of the household speaks; not a
    // surname and a title ("曾总", "于姐"): an employee reports business to the boss that way too
    const aliases = customers.filter((c) => this.customerPerson(c) !== except).flatMap((c) => this.callAliasesOf(c))
    return [...new Set([...names, ...aliases])]
  }

  /** The person a customer's name and aliases denote: the contact or executor of that name, else the contact. */
  private customerPerson(c: CustomerConfig): string {
    return [c.contact, c.executor].find((id) => id !== undefined && id !== null && this.people.get(id)?.name === c.name) ?? c.contact
  }

  /** A customer's aliases that call them and nobody on the team ("老刘", "甜甜"; not "刘总"). */
  private callAliasesOf(c: CustomerConfig): string[] {
    let names = this.aliasNames.get(c.key)
    if (!names) {
      const team = this.teamCallNames()
      names = c.aliases.filter((a) => !team.has(a) && !isTitledName(a))
      this.aliasNames.set(c.key, names)
    }
    return names
  }
  private readonly aliasNames = new Map<string, string[]>()

  /** A household member's call names: the name as written, and the familiar forms no staff member or partner shares ("小吴" is nobody's if 吴店长 is staff). */
  private callNamesOf(p: PersonConfig): string[] {
    let names = this.callNames.get(p.id)
    if (!names) {
      const team = this.teamCallNames()
      names = [...householdCallNames(p.name), ...familiarCallNames(p.name).filter((f) => !team.has(f))]
      this.callNames.set(p.id, names)
    }
    return names
  }
  private readonly callNames = new Map<string, string[]>()

  /**
   * What staff and partners are called by in a customer group: their names and familiar forms,
   * their surname with a title ("马经理", "夏教练"), and the titles that call anyone of the business
   * ("师傅，…", "群主 …"). A message opening with one is said to them.
   */
  teamNames(): readonly string[] {
    this.teamVocatives ??= [
      ...new Set([
        ...BUSINESS_CALLS,
        ...this.teamCallNames(),
        ...[...this.people.values()].filter(isTeamSide).flatMap((p) => {
          const surname = surnameOf(p.name.trim())
          return surname && !isTitledName(p.name) ? TEAM_TITLES.map((t) => `${surname}${t}`) : []
        }),
      ]),
    ]
    return this.teamVocatives
  }
  private teamVocatives: string[] | undefined

  /** Every name and familiar form staff and partners can be called by. */
  private teamCallNames(): ReadonlySet<string> {
    this.teamNameSet ??= new Set([...this.people.values()].filter(isTeamSide).flatMap((p) => [...householdCallNames(p.name), ...familiarCallNames(p.name, true)]))
    return this.teamNameSet
  }
  private teamNameSet: Set<string> | undefined

  /** Customers a person is the contact or the executor of. */
  customersOfPerson(id: string): CustomerConfig[] {
    return this.customers.filter((c) => c.contact === id || c.executor === id)
  }

  customer(key: string): CustomerConfig | undefined {
    return this.customers.find((c) => c.key === key)
  }

  partnerForGroup(groupKey: string): PartnerConfig | undefined {
    return this.partners.find((p) => p.group === groupKey)
  }

  partner(key: string): PartnerConfig | undefined {
    return this.partners.find((p) => p.key === key)
  }

  internalGroups(): GroupConfig[] {
    return this.groups.filter((g) => g.kind === 'internal')
  }

  peopleWithRole(role: Role): PersonConfig[] {
    return [...this.people.values()].filter((p) => p.roles.includes(role))
  }
}

const isTeamSide = (p: PersonConfig): boolean => p.roles.some((r) => r === 'handler' || r === 'supervisor' || r === 'partner')
