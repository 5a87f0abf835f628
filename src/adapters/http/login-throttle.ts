import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'

/** Login attempts per client address: a port so the session routes do not know the store. */
export interface LoginThrottle {
  /** counts an attempt; `retryAfterMs` when the address is over its limit (the attempt is refused) */
  attempt(address: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>
  /** gives a successful login its attempt back: only failures use up the allowance */
  succeeded(address: string): Promise<void>
}

/**
 * rate-limiter-flexible on Redis, so every api process counts the same attempts (a per-process
 * counter would multiply the allowance by the number of processes). While Redis is not ready the
 * process counts in memory instead of letting logins through or hanging.
 */
export function redisLoginThrottle(redis: Redis, opts: { prefix: string; perMinute: number }): LoginThrottle {
  const points = opts.perMinute
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${opts.prefix}:login`,
    points,
    duration: 60,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${opts.prefix}:login`, points, duration: 60 }),
  })
  return {
    attempt: async (address) => {
      try {
        await limiter.consume(address)
        return { ok: true }
      } catch (err) {
        if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: err.msBeforeNext }
        throw err
      }
    },
    succeeded: async (address) => {
      await limiter.reward(address, 1)
    },
  }
}
