import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { OutboundConfig } from '../../config/tenant-schema.js'
import type { Logger } from '../../app/ports.js'
import type { DeliveryOutcome } from '../../app/deliver-send.js'
import type { SendThrottle } from './send-throttle.js'
import { SendPacer } from './send-pacer.js'
import { resetDelayMs } from '../../domain/resilience/connection-health.js'

export const OUTBOUND_QUEUE = 'outbound'

/**
 * Each WeCom account has its own outbound queue, consumed only by that account's bot process.
 * The one account of a `tenant.bot` tenant (`default`) keeps the original name.
 */
export const outboundQueueName = (accountKey: string): string => (accountKey === 'default' ? OUTBOUND_QUEUE : `${OUTBOUND_QUEUE}-${accountKey}`)

/**
 * Job payloads carry ids only: no customer data in Redis. `pacing` is the send's per-group pacing
 * key, a digest of its group's key (a key may name the customer: `cust-zhang`), null for a direct
 * message; it spares the worker a read per send. A job queued without it reads the group instead.
 */
export const sendJobSchema = z.object({ sendId: z.number().int().positive(), pacing: z.string().min(1).max(64).nullable().optional() }).strict()
export type SendJob = z.infer<typeof sendJobSchema>

/** The opaque per-group pacing key of a send to this group (null: a direct message). */
export const pacingKeyOf = (groupKey: string | null): string | null => (groupKey === null ? null : createHash('sha256').update(groupKey).digest('base64url').slice(0, 22))

/** One job per send row, so relaying the same row twice never sends twice. */
export const sendJobId = (sendId: number): string => `send-${sendId}`

export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url)
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    // a managed Redis usually wants TLS (ioredis reads `rediss://` itself for the other clients)
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
    maxRetriesPerRequest: null,
    // BullMQ's own default backs off to 20 s between reconnects: after a 20-second outage the
    // queues and workers stayed away up to another 20 s (sends and due timers waiting) while
    // Redis was answering. A reconnect attempt is one TCP connect; try at least every 2 s.
    retryStrategy: (times: number) => resetDelayMs(Math.max(0, times - 1), 250, 2000),
  }
}

export function createOutboundQueue(connection: ConnectionOptions, prefix: string, cfg: OutboundConfig, name = OUTBOUND_QUEUE): Queue<SendJob> {
  return new Queue<SendJob>(name, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: cfg.attempts,
      backoff: { type: 'exponential', delay: cfg.backoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    },
  })
}

/**
 * The send worker, consumed inside the bot process. Concurrency 1 keeps order per group (and
 * per account). Limits (send-pacer.ts) hold back only what is over them: a send to a group over
 * its per-group limit is moved to `delayed` until its slot in the group's window (open-source
 * BullMQ has no per-group limiter; this is its documented manual-delay pattern, and a delayed job
 * keeps its attempts), so the internal group's flood of notices never holds up a customer's
 * reply; only the account over its limit (or WeCom's "too frequent", or an outage) pauses the
 * whole queue. The account's limit counts sends actually tried, not jobs fetched: BullMQ's own
 * limiter would also count every held job each time it comes back.
 */
export function startOutboundWorker(opts: {
  connection: ConnectionOptions
  prefix: string
  cfg: OutboundConfig
  log: Logger
  /** the account's queue (outboundQueueName); default the one-account `outbound` */
  queueName?: string
  deliver: (sendId: number, final: boolean) => Promise<DeliveryOutcome>
  /** the group of a send whose job carries no pacing key (queued by an older relay) */
  groupOf: (sendId: number) => Promise<string | null>
  /** adaptive account rate: "too frequent" refusals slow sending down (see send-throttle.ts) */
  throttle?: SendThrottle
  /** PostgreSQL unreachable: the queue waits instead of using up the job's attempts */
  isOutage?: (err: unknown) => boolean
  outagePauseMs?: number
  /** the window both limits are counted over (default a minute) */
  windowMs?: number
}): Worker<SendJob> {
  const pacer = new SendPacer({ perGroupPerMinute: opts.cfg.perGroupPerMinute, perAccountPerMinute: opts.cfg.perAccountPerMinute, ...(opts.windowMs ? { windowMs: opts.windowMs } : {}) })
  const deliverJob = async (job: Job<SendJob>, token: string | undefined, { sendId, pacing }: SendJob): Promise<DeliveryOutcome> => {
    const group = pacing !== undefined ? pacing : pacingKeyOf(await opts.groupOf(sendId))
    const pace = pacer.check(group, sendId, Date.now())
    if (!pace.go && pace.scope === 'group') {
      opts.log.debug({ sendId, pacing: group, until: new Date(pace.until).toISOString() }, 'group over its send limit; this send waits for its slot')
      await job.moveToDelayed(pace.until, token)
      throw new DelayedError()
    }
    if (!pace.go) {
      await worker.rateLimit(pace.waitMs)
      throw Worker.RateLimitError()
    }
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
    const outcome = await opts.deliver(sendId, final)
    if (outcome === 'retry') throw new Error(`send ${sendId} failed; retrying`)
    if (outcome === 'throttled' && opts.throttle) {
      // the job keeps its place and its attempts; the whole account waits out the cool-down
      await worker.rateLimit(Math.max(1, Math.ceil(opts.throttle.refused())))
      throw Worker.RateLimitError()
    }
    if (outcome === 'throttled') throw new Error(`send ${sendId} refused as too frequent; retrying`)
    if (outcome === 'sent') opts.throttle?.sent()
    return outcome
  }
  const worker: Worker<SendJob> = new Worker<SendJob>(
    opts.queueName ?? OUTBOUND_QUEUE,
    async (job: Job<SendJob>, token?: string) => {
      const parsed = sendJobSchema.safeParse(job.data)
      if (!parsed.success) throw new UnrecoverableError(`bad send job payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
      // Redis wants whole milliseconds
      const throttled = Math.ceil(opts.throttle?.waitMs() ?? 0)
      if (throttled > 0) {
        await worker.rateLimit(throttled)
        throw Worker.RateLimitError()
      }
      try {
        return await deliverJob(job, token, parsed.data)
      } catch (err) {
        if (!opts.isOutage?.(err)) throw err
        // nothing can be claimed or recorded: the whole queue waits, the job keeps its attempts
        opts.log.warn({ sendId: parsed.data.sendId, err: { message: (err as Error).message } }, 'PostgreSQL unreachable; sends wait')
        await worker.rateLimit(opts.outagePauseMs ?? 5000)
        throw Worker.RateLimitError()
      }
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: 1 },
  )
  worker.on('error', (err) => opts.log.warn({ err: { message: err.message } }, 'outbound worker error'))
  return worker
}
