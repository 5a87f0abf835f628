import { createHash } from 'node:crypto'

/** A WeCom service account the tenant runs; one bot process (one puppet session) serves it. */
export interface Account {
  key: string
  /** the account's own contact id; unknown for a legacy tenant without `tenant.bot` */
  wecomId?: string
  displayName: string
}

/** The key a tenant with only `tenant.bot` (or nothing) gives its one account. */
export const DEFAULT_ACCOUNT = 'default'

interface AccountSource {
  tenant: { bot?: { id: string; name: string } | undefined }
  accounts?: ReadonlyArray<{ key: string; wecomId: string; displayName: string }> | undefined
}

/** The tenant's accounts in declared order; the old single `tenant.bot` reads as one account. */
export function accountsOf(t: AccountSource): Account[] {
  if (t.accounts && t.accounts.length > 0) return t.accounts.map((a) => ({ key: a.key, wecomId: a.wecomId, displayName: a.displayName }))
  const bot = t.tenant.bot
  return [{ key: DEFAULT_ACCOUNT, ...(bot ? { wecomId: bot.id } : {}), displayName: bot?.name ?? 'Baton' }]
}

/** The accounts that sit in a group: those it names, or (one-account tenant) the only one. */
export function accountsInGroup(group: { accounts?: readonly string[] | undefined }, accounts: readonly Account[]): string[] {
  return group.accounts ? [...group.accounts] : accounts.map((a) => a.key)
}

/**
 * The account a bot process serves: the one named (BATON_ACCOUNT), else the first declared.
 * Returns an error text for a key the tenant does not declare.
 */
export function selectAccount(accounts: readonly Account[], wanted: string | undefined): Account | string {
  if (wanted === undefined || wanted === '') return accounts[0]!
  return accounts.find((a) => a.key === wanted) ?? `BATON_ACCOUNT=${wanted} is not an account of this tenant (declared: ${accounts.map((a) => a.key).join(', ')})`
}

/**
 * The id a message is stored under when several accounts sit in its group: each account's puppet
 * may report the same message under its own id, so the key is what was said, by whom, where and
 * in which second. Two identical texts by one person in one second count once (accepted: rare,
 * and the second would be decided the same way).
 */
export function crossAccountMessageId(m: { groupKey: string; talkerId: string; type: string; text: string; attachmentName?: string | undefined; saidAt: Date }): string {
  const second = Math.floor(m.saidAt.getTime() / 1000)
  const h = createHash('sha256')
  for (const part of [m.groupKey, m.talkerId, m.type, m.text, m.attachmentName ?? '', String(second)]) h.update(part).update('\u0000')
  return `fp-${h.digest('hex').slice(0, 40)}`
}
