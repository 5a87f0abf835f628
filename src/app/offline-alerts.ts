import type { Logger } from './ports.js'

/** The session as alerts see it (the WeCom watchdog's state). */
export interface SessionHealth {
  status: string
  since: Date
  lastError: string | null
  resets: number
}

export interface Alert {
  event: 'offline' | 'token_invalid' | 'recovered'
  text: string
  status: string
  downSince: Date
  at: Date
  reason: string | null
}

/** A way to reach people that does not depend on the puppet (a webhook). */
export interface AlertChannel {
  readonly name: string
  send(alert: Alert): Promise<void>
}

export interface OfflineAlertDeps {
  channels: readonly AlertChannel[]
  log: Logger
  /** down this long before an alert; token problems alert at once */
  alertAfterMs: number
  text: (event: Alert['event'], vars: { status: string; since: Date; until: Date; reason: string | null; resets: number }) => string
}

/**
 * Tells people when the WeCom session has been down longer than the threshold, through every
 * configured channel, and announces the recovery of an outage it alerted about. A channel that
 * fails is retried on the next tick; one outage gives one alert and one recovery message.
 */
export class OfflineAlerts {
  private downSince: Date | null = null
  private alerted: Alert['event'] | null = null
  private readonly pending = new Map<string, Alert>()
  private resetsAtDown = 0

  constructor(private readonly deps: OfflineAlertDeps) {}

  /** Feeds the current session state; call on every change and periodically. */
  async tick(s: SessionHealth, now: Date): Promise<void> {
    // shutting down is neither an outage nor a recovery
    if (s.status === 'stopped') return
    const down = s.status !== 'online'
    if (down) {
      if (!this.downSince) {
        this.downSince = s.since
        this.resetsAtDown = s.resets
      }
      const event = s.status === 'token_invalid' ? 'token_invalid' : 'offline'
      const due = event === 'token_invalid' || now.getTime() - this.downSince.getTime() >= this.deps.alertAfterMs
      if (due && this.alerted !== event) {
        this.alerted = event
        this.queue({
          event,
          status: s.status,
          downSince: this.downSince,
          at: now,
          reason: s.lastError,
          text: this.deps.text(event, { status: s.status, since: this.downSince, until: now, reason: s.lastError, resets: s.resets - this.resetsAtDown }),
        })
      }
    } else if (this.downSince) {
      if (this.alerted) {
        this.queue({
          event: 'recovered',
          status: s.status,
          downSince: this.downSince,
          at: now,
          reason: null,
          text: this.deps.text('recovered', { status: s.status, since: this.downSince, until: now, reason: null, resets: s.resets - this.resetsAtDown }),
        })
      }
      this.downSince = null
      this.alerted = null
    }
    await this.flush()
  }

  private queue(alert: Alert): void {
    for (const c of this.deps.channels) this.pending.set(`${c.name}:${alert.event}:${alert.downSince.getTime()}`, alert)
  }

  private async flush(): Promise<void> {
    for (const [key, alert] of [...this.pending]) {
      const channel = this.deps.channels.find((c) => key.startsWith(`${c.name}:`))
      if (!channel) continue
      try {
        await channel.send(alert)
        this.pending.delete(key)
        this.deps.log.info({ channel: channel.name, event: alert.event }, 'offline alert sent')
      } catch (err) {
        this.deps.log.warn({ channel: channel.name, event: alert.event, err: { message: (err as Error).message } }, 'offline alert not delivered; will retry')
      }
    }
  }
}
