import { pino, type Logger as PinoLogger } from 'pino'
import type { Env } from '../config/env.js'
import type { Logger } from '../app/ports.js'

/** JSON logs in production, pretty ones in the sandbox; tokens are redacted wherever they appear. */
export function createLogger(env: Env): Logger & PinoLogger {
  const pretty = env.LOG_PRETTY || (env.sandbox && env.NODE_ENV !== 'production' && process.stdout.isTTY)
  return pino({
    level: env.LOG_LEVEL,
    base: { app: 'baton' },
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'env.WECHATY_PUPPET_SERVICE_TOKEN', 'env.BATON_API_TOKENS'],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' } } } : {}),
  })
}
