import type { ConnectionOptions, JobType, Queue } from 'bullmq'
import type { Logger } from '../app/ports.js'
import type { Directory } from '../app/directory.js'
import type { OutboundConfig } from '../config/tenant-schema.js'
import { ConfigError } from '../config/format-issues.js'
import { accountsOf, selectAccount, type Account } from '../domain/accounts.js'
import type { Tenant } from '../config/load-tenant.js'
import { createOutboundQueue, outboundQueueName, type SendJob } from '../adapters/queue/outbound-queue.js'
import { withDeadline } from '../adapters/queue/deadline.js'

/** The tenant's WeCom accounts as one process sees them: the one its bot serves, every account's outbound queue. */
export interface AccountsWiring {
  /** the account this process's `bot` role serves (BATON_ACCOUNT, else the first declared) */
  account: Account
  /** true when the tenant runs more than one account */
  several: boolean
  /** the outbound queue of an account; NULL (a send row without one) is the first account's */
  queueFor: (accountKey: string | null) => Queue<SendJob>
  /** this process's own account's queue (what its bot consumes) */
  ownQueue: Queue<SendJob>
  ownQueueName: string
  queues(): Queue<SendJob>[]
  /** job counts of every account's outbound queue, added up (the queue-depth gauge) */
  jobCounts(...states: JobType[]): Promise<Record<string, number>>
  close(): Promise<void>
}

/**
 * One outbound queue per account: the relay (in any bot or worker process) puts each send row in
 * the queue of the account the row names, and each account's bot consumes only its own queue.
 */
export function wireAccounts(opts: { directory: Directory; wanted: string | undefined; servesBot: boolean; connection: ConnectionOptions; prefix: string; cfg: OutboundConfig; log: Logger }): AccountsWiring {
  const { directory, log } = opts
  const chosen = selectAccount(directory.accounts, opts.wanted)
  if (typeof chosen === 'string') throw new ConfigError([`environment: BATON_ACCOUNT — ${chosen}`])
  // the other accounts' sends wait in their queues until a bot process serves each of them
  if (opts.servesBot && directory.accounts.length > 1)
    log.info({ account: chosen.key, others: directory.accounts.filter((a) => a !== chosen).map((a) => a.key) }, 'this bot process serves one account; run one bot process per other account (BATON_ACCOUNT)')
  const byKey = new Map<string, Queue<SendJob>>()
  for (const a of directory.accounts) {
    const queue = createOutboundQueue(opts.connection, opts.prefix, opts.cfg, outboundQueueName(a.key))
    queue.on('error', (err: Error) => log.warn({ account: a.key, err: { message: err.message } }, 'outbound queue: Redis error'))
    byKey.set(a.key, queue)
  }
  const first = byKey.get(directory.accounts[0]!.key)!
  const queueFor = (accountKey: string | null): Queue<SendJob> => {
    if (accountKey === null) return first
    const queue = byKey.get(accountKey)
    if (queue) return queue
    // an account dropped from the tenant file while its sends wait: the first account delivers
    // them only if it sits in the group (deliverSend checks), else they fail and are reported
    log.warn({ account: accountKey }, 'send names an account the tenant no longer declares; routed to the first account')
    return first
  }
  return {
    account: chosen,
    several: directory.accounts.length > 1,
    queueFor,
    ownQueue: byKey.get(chosen.key)!,
    ownQueueName: outboundQueueName(chosen.key),
    queues: () => [...byKey.values()],
    jobCounts: async (...states) => {
      const total: Record<string, number> = {}
      for (const counts of await Promise.all([...byKey.values()].map((q) => q.getJobCounts(...states)))) for (const [state, n] of Object.entries(counts)) total[state] = (total[state] ?? 0) + n
      return total
    },
    close: async () => {
      await Promise.all([...byKey.values()].map((q) => withDeadline(q.close(), 5000, 'outbound queue close').catch(() => q.disconnect())))
    },
  }
}

/** The name an offline alert gives: with several accounts, which account's session is down. */
export const alertNameOf = (base: string, accounts: Pick<AccountsWiring, 'account' | 'several'>): string => (accounts.several ? `${base}·${accounts.account.displayName}` : base)

/** The logger of a process whose bot serves one of several accounts: every line names the account. */
export function logWithAccount(log: Logger, tenant: Tenant, wanted: string | undefined, servesBot: boolean): Logger {
  const accounts = accountsOf(tenant)
  if (!servesBot || accounts.length < 2) return log
  const chosen = selectAccount(accounts, wanted)
  return typeof chosen === 'string' ? log : log.child({ account: chosen.key })
}
