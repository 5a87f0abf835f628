import { pino } from 'pino'
import type { Logger } from '../../src/app/ports.js'

/**
 * Baton's logger during a run: silent as in tests (TEST_LOG_LEVEL shows more on stderr), but
 * every error that names a message is kept, so the player can stop waiting for a line Baton
 * failed to decide and say why instead of timing out.
 */
export class ErrorLog {
  private readonly byMessage = new Map<string, string>()
  readonly logger: Logger

  constructor(echoLevel = process.env['TEST_LOG_LEVEL'] ?? 'silent') {
    const echo = echoLevel !== 'silent'
    const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']
    const level = echo && order.indexOf(echoLevel) >= 0 && order.indexOf(echoLevel) < order.indexOf('error') ? echoLevel : 'error'
    const stream = {
      write: (line: string): void => {
        if (echo) process.stderr.write(line)
        try {
          const entry = JSON.parse(line) as { level?: number; messageId?: unknown; err?: { message?: string }; msg?: string }
          if ((entry.level ?? 0) >= 50 && typeof entry.messageId === 'string') {
            this.byMessage.set(entry.messageId, `${String(entry.msg ?? 'error')}: ${String(entry.err?.message ?? '')}`)
          }
        } catch {
          // not a JSON line: nothing to keep
        }
      },
    }
    this.logger = pino({ level }, stream)
  }

  /** The first error logged for a WeCom message id, if any. */
  errorFor(wecomId: string): string | undefined {
    return this.byMessage.get(wecomId)
  }
}
