import { createHash, randomBytes } from 'node:crypto'
import type { Clock } from '../../app/ports.js'

/** A stored session: only hashes, never the session id or the token themselves. */
export interface SessionRecord {
  tokenDigest: string
  createdAt: Date
  lastSeenAt: Date
}

/** Where sessions live (PostgreSQL in production: every api process must see every session). */
export interface SessionStore {
  create(s: { idHash: string; tokenDigest: string; at: Date }): Promise<void>
  find(idHash: string): Promise<SessionRecord | undefined>
  /** moves last_seen_at to `at` unless it is already newer than `unlessSeenSince` */
  touch(idHash: string, at: Date, unlessSeenSince: Date): Promise<void>
  revoke(idHash: string): Promise<void>
  /** deletes sessions idle since before `idleSince` or created before `createdSince` */
  purge(idleSince: Date, createdSince: Date): Promise<void>
}

export interface SessionLimits {
  /** a session unused this long is over */
  idleMs: number
  /** a session this old is over, however busy */
  maxMs: number
}

/** SHA-256, hex: how session ids and tokens are stored and compared. */
export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex')

// last_seen_at is written at most once a minute per session, not on every request
const TOUCH_EVERY_MS = 60_000

/**
 * Server-side console sessions: `open` hands out a random id for the cookie, `resolve` maps a
 * presented id back to the token it was opened with (the caller's role is the token's, as
 * configured now), `revoke` ends it. Expired sessions resolve to nothing and are deleted.
 */
export class ConsoleSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly limits: SessionLimits,
    private readonly clock: Clock,
  ) {}

  /** Opens a session for a known token; the returned id goes into the cookie and nowhere else. */
  async open(tokenDigest: string): Promise<string> {
    const now = this.clock.now()
    // logins are rare: a good moment to forget the sessions that ran out
    await this.store.purge(new Date(now.getTime() - this.limits.idleMs), new Date(now.getTime() - this.limits.maxMs))
    const id = randomBytes(32).toString('base64url')
    await this.store.create({ idHash: sha256Hex(id), tokenDigest, at: now })
    return id
  }

  /** The token digest a live session was opened with; undefined for an unknown, revoked or expired id. */
  async resolve(id: string): Promise<string | undefined> {
    // a session id is 43 base64url characters; anything else was never issued
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined
    const idHash = sha256Hex(id)
    const s = await this.store.find(idHash)
    if (!s) return undefined
    const now = this.clock.now().getTime()
    if (now - s.lastSeenAt.getTime() >= this.limits.idleMs || now - s.createdAt.getTime() >= this.limits.maxMs) {
      await this.store.revoke(idHash)
      return undefined
    }
    if (now - s.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await this.store.touch(idHash, new Date(now), new Date(now - TOUCH_EVERY_MS))
    return s.tokenDigest
  }

  async revoke(id: string): Promise<void> {
    await this.store.revoke(sha256Hex(id))
  }

  /** How long the cookie may live: the absolute limit (the server enforces both limits). */
  get cookieMaxAgeMs(): number {
    return this.limits.maxMs
  }
}
