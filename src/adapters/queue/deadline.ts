/**
 * Rejects after `ms`. ioredis queues commands while Redis is down (BullMQ needs
 * maxRetriesPerRequest: null), so an add would otherwise wait for Redis forever while holding
 * a PostgreSQL transaction open.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms)
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    )
  })
}
