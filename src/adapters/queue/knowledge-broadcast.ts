import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import type { Logger } from '../../app/ports.js'

const messageSchema = z.object({ origin: z.string(), actor: z.string() }).strict()

/**
 * Tells every other Baton process (bot, worker, api roles run apart when scaled out) that the
 * knowledge was reloaded, over Redis pub/sub; each re-reads its own files. A process that misses
 * the message (Redis down) keeps its knowledge until the next reload or restart.
 */
export class KnowledgeBroadcast {
  private readonly origin = randomUUID()
  private subscriber: Redis | null = null

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly log: Logger,
  ) {}

  async announce(actor: string): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify({ origin: this.origin, actor }))
  }

  /** Calls `onReload` for reloads announced by other processes. */
  async listen(onReload: (actor: string) => Promise<void>): Promise<void> {
    const sub = this.redis.duplicate()
    this.subscriber = sub
    sub.on('error', (err: Error) => this.log.warn({ err: { message: err.message } }, 'knowledge broadcast connection error'))
    sub.on('message', (_channel: string, raw: string) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch {
        parsed = null
      }
      const msg = messageSchema.safeParse(parsed)
      if (!msg.success) return void this.log.warn({ channel: this.channel }, 'ignoring a malformed knowledge broadcast')
      if (msg.data.origin === this.origin) return
      onReload(msg.data.actor).catch((err: Error) => this.log.warn({ err: { message: err.message } }, 'reloading announced knowledge failed; keeping the knowledge in force'))
    })
    await sub.subscribe(this.channel)
  }

  async close(): Promise<void> {
    const sub = this.subscriber
    this.subscriber = null
    if (sub) await sub.quit().catch(() => sub.disconnect())
  }
}
