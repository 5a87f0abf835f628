/**
 * Is this error PostgreSQL being unreachable (retry later) rather than bad data (never retry)?
 * TypeORM wraps driver errors; pg reports SQLSTATE codes, Node reports socket codes.
 */
export function isDatabaseOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const o = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown }
    const code = typeof o.code === 'string' ? o.code : ''
    // Baton's own word for "PostgreSQL has not answered since start-up" (postgresNotStarted)
    if (code === 'dependency_down' && (o as { details?: { dependency?: unknown } }).details?.dependency === 'postgres') return true
    if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code)) return true
    const message = typeof o.message === 'string' ? o.message : ''
    if (
      /Connection terminated|connection error|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection|ECONNREFUSED|ECONNRESET|Client was closed/i.test(
        message,
      )
    )
      return true
    e = o.driverError ?? o.cause
  }
  return false
}
