import type { Queue } from 'bullmq'
import type { DataSource } from 'typeorm'
import type { Logger } from '../../app/ports.js'
import { SingleFlight } from '../../app/single-flight.js'
import { withDeadline } from './deadline.js'
import { pacingKeyOf, sendJobId, type SendJob } from './outbound-queue.js'

const RELAY_BATCH = 500

/**
 * Moves committed `sends` rows to BullMQ (the transactional outbox). A row is marked relayed
 * only after Redis accepted its job; when Redis is down the rows wait and nothing is lost.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null
  private outage = false
  /** relayAll catches its own errors; this only guards against the unforeseen */
  private readonly relay = new SingleFlight(
    () => this.relayAll(),
    (err) => this.log.error({ err: { message: (err as Error).message } }, 'outbox relay run crashed'),
  )

  /** the outbound queue of the account a row names (NULL: the tenant's first account) */
  private readonly queueFor: (accountKey: string | null) => Queue<SendJob>

  constructor(
    private readonly ds: DataSource,
    queues: Queue<SendJob> | ((accountKey: string | null) => Queue<SendJob>),
    private readonly log: Logger,
    private readonly intervalMs = 500,
  ) {
    this.queueFor = typeof queues === 'function' ? queues : () => queues
  }

  private rearmTimer: NodeJS.Timeout | null = null

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs)
    this.rearmTimer = setInterval(() => void this.rearm().catch(() => undefined), 60_000)
    void this.rearm().catch(() => undefined)
    this.kick()
  }

  /**
   * Redis may lose jobs (a restart without persistence, FLUSHALL): sends relayed a while ago and
   * still undelivered are relayed again. Job ids are per send, so a job that still exists is
   * not duplicated.
   */
  async rearm(olderThanMs = 60_000): Promise<number> {
    const rows: unknown = await this.ds.query(
      `UPDATE sends SET relayed_at = NULL
        WHERE status = 'queued' AND relayed_at IS NOT NULL AND relayed_at < now() - ($1::int * interval '1 millisecond')
        RETURNING id, account_key`,
      [olderThanMs],
    )
    const found = Array.isArray(rows) && Array.isArray(rows[0]) ? (rows[0] as Array<{ id: string; account_key: string | null }>) : []
    // a job that ended (failed after its attempts, e.g. through an outage) while its row is still
    // queued would block the same job id from being added again: clear it first
    for (const row of found) {
      const job = await withDeadline(this.queueFor(row.account_key).getJob(sendJobId(Number(row.id))), 5000, 'outbox rearm')
      if (job && ((await job.isFailed()) || (await job.isCompleted()))) await job.remove().catch(() => undefined)
    }
    if (found.length > 0) this.kick()
    return found.length
  }

  /** Relays soon; calls during a run coalesce into one more run. */
  kick(): void {
    void this.relay.kick()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    if (this.rearmTimer) clearInterval(this.rearmTimer)
    this.timer = null
    this.rearmTimer = null
    await this.relay.idle()
  }

  private async relayAll(): Promise<void> {
    try {
      // a short batch was everything due: a row committed since then kicked another run, so an
      // extra empty pass (three round trips, after every commit that queued a send) finds nothing
      while ((await this.relayBatch()) === RELAY_BATCH) {
        /* keep going while there is a backlog */
      }
      if (this.outage) this.log.info({}, 'outbox relay reconnected to Redis')
      this.outage = false
    } catch (err) {
      if (!this.outage) this.log.warn({ err: { message: (err as Error).message } }, 'outbox relay cannot reach Redis; sends wait in PostgreSQL')
      this.outage = true
    }
  }

  /** Relays up to RELAY_BATCH rows; returns how many. */
  async relayBatch(): Promise<number> {
    return this.ds.transaction(async (tx) => {
      // a send not due yet (a flood's summary, still being counted) waits here, in PostgreSQL, not
      // as a delayed job Redis could lose; the relay's next run after it is due moves it
      const rows: { id: string; not_before: Date | null; account_key: string | null; group_key: string | null }[] = await tx.query(
        `SELECT id, not_before, account_key, group_key FROM sends WHERE relayed_at IS NULL AND (not_before IS NULL OR not_before <= now()) ORDER BY id LIMIT ${RELAY_BATCH} FOR UPDATE SKIP LOCKED`,
      )
      if (rows.length === 0) return 0
      const now = Date.now()
      // each row to its account's queue; a late add after the deadline is harmless: the row is
      // relayed again under the same job id
      const byQueue = new Map<Queue<SendJob>, typeof rows>()
      for (const r of rows) {
        const q = this.queueFor(r.account_key)
        const batch = byQueue.get(q)
        if (batch) batch.push(r)
        else byQueue.set(q, [r])
      }
      await withDeadline(
        Promise.all(
          [...byQueue].map(([queue, batch]) =>
            queue.addBulk(
              batch.map((r) => ({
                name: 'send',
                data: { sendId: Number(r.id), pacing: pacingKeyOf(r.group_key) },
                opts: { jobId: sendJobId(Number(r.id)), ...(r.not_before && r.not_before.getTime() > now ? { delay: r.not_before.getTime() - now } : {}) },
              })),
            ),
          ),
        ),
        5000,
        'outbox relay',
      )
      await tx.query(`UPDATE sends SET relayed_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)])
      return rows.length
    })
  }
}
