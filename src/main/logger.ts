import { destination, pino, type Logger as PinoLogger } from 'pino'
import type { Env } from '../config/env.js'
import type { Logger } from '../app/ports.js'

/**
 * JSON logs in production, pretty ones in the sandbox; tokens are redacted wherever they appear.
 * JSON lines go to stdout through a 4 KB buffer instead of one write(2) per line: at a backlog's
 * thousand messages a second the per-line writes were a visible share of the process's CPU
 * (benchmark profile). The buffer is flushed every second and when the process exits; a kill -9
 * can lose the last second of lines, never data.
 */
export function createLogger(env: Env): Logger & PinoLogger {
  const pretty = env.LOG_PRETTY || (env.sandbox && env.NODE_ENV !== 'production' && process.stdout.isTTY)
  const options = {
    level: env.LOG_LEVEL,
    base: { app: 'baton' },
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'env.WECHATY_PUPPET_SERVICE_TOKEN', 'env.BATON_API_TOKENS'],
      censor: '[redacted]',
    },
  }
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' } } })
  const out = destination({ dest: 1, sync: false, minLength: 4096 })
  // a line never waits more than a second for the buffer to fill: a quiet process's last error
  // must reach `docker logs` / journald now, not after 4 KB of later lines
  setInterval(() => {
    try {
      out.flush()
    } catch {
      // still opening or already closed: the next tick (or exit) flushes
    }
  }, 1000).unref()
  return pino(options, out)
}
