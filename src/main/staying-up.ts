import type { Env } from '../config/env.js'
import { ConfigError } from '../config/format-issues.js'
import type { Wording } from '../config/load-wording-dir.js'
import { say } from '../app/case-facts-text.js'
import type { Logger } from '../app/ports.js'
import { SingleFlight } from '../app/single-flight.js'
import { OfflineAlerts, type AlertChannel } from '../app/offline-alerts.js'
import { httpWebhookChannel, wecomRobotChannel } from '../adapters/alerts/webhook-channels.js'
import type { ConnectionWatchdog } from '../adapters/wecom/connection-watchdog.js'

const WORDING_KEYS = [
  'resilience.offline_alert',
  'resilience.token_alert',
  'resilience.recovered_alert',
  'resilience.send_unknown',
  'resilience.notice_resent',
  'resilience.send_throttled',
  'resilience.message_unloaded',
  'resilience.unknown_group',
]

/** The wording the staying-up features need must exist at start-up, not at the first outage. */
export function checkResilienceWording(wording: Wording): void {
  const missing = WORDING_KEYS.filter((k) => !wording.has(k))
  if (missing.length > 0) throw new ConfigError(missing.map((k) => `wording: ${k} — missing template`))
}

/** Alert channels configured in the environment (none = alerts only in the log). */
export function alertChannels(env: Env): AlertChannel[] {
  const channels: AlertChannel[] = []
  if (env.BATON_ALERT_WECOM_WEBHOOK_KEY) channels.push(wecomRobotChannel({ url: env.BATON_ALERT_WECOM_WEBHOOK_URL, key: env.BATON_ALERT_WECOM_WEBHOOK_KEY }))
  if (env.BATON_ALERT_WEBHOOK_URL)
    channels.push(httpWebhookChannel({ url: env.BATON_ALERT_WEBHOOK_URL, name: env.BATON_ALERT_NAME, ...(env.BATON_ALERT_WEBHOOK_TOKEN ? { token: env.BATON_ALERT_WEBHOOK_TOKEN } : {}) }))
  return channels
}

const stamp = (d: Date): string => d.toISOString().replace('T', ' ').slice(0, 19) + 'Z'

/** Offline alerts fed by the watchdog: on every state change and every few seconds. */
export function startOfflineAlerts(opts: { env: Env; wording: Wording; watchdog: ConnectionWatchdog; log: Logger; channels?: AlertChannel[]; name?: string }): { stop(): Promise<void>; alerts: OfflineAlerts } {
  const { env, wording, watchdog, log } = opts
  const channels = opts.channels ?? alertChannels(env)
  const alerts = new OfflineAlerts({
    channels,
    log,
    alertAfterMs: env.BATON_ALERT_AFTER_MS,
    text: (event, v) =>
      say(wording, event === 'offline' ? 'resilience.offline_alert' : event === 'token_invalid' ? 'resilience.token_alert' : 'resilience.recovered_alert', {
        name: opts.name ?? env.BATON_ALERT_NAME,
        status: wording.get(`resilience.status_labels.${v.status}`) ?? v.status,
        minutes: Math.max(1, Math.round((v.until.getTime() - v.since.getTime()) / 60_000)),
        since: stamp(v.since),
        until: stamp(v.until),
        reason: v.reason ?? '-',
        resets: v.resets,
      }),
  })
  if (channels.length === 0) log.info({}, 'no offline alert channel configured (BATON_ALERT_WECOM_WEBHOOK_KEY / BATON_ALERT_WEBHOOK_URL)')
  // a tick reads the watchdog's state when it runs, so ticks asked for meanwhile coalesce into one
  const ticks = new SingleFlight(
    () => alerts.tick(watchdog.state, new Date()),
    (err) => log.warn({ err: { message: (err as Error).message } }, 'offline alert tick failed'),
  )
  const tick = (): void => void ticks.kick()
  watchdog.onChange(tick)
  const timer = setInterval(tick, Math.min(5000, Math.max(100, Math.floor(env.BATON_ALERT_AFTER_MS / 4) || 100)))
  tick()
  return {
    alerts,
    stop: async () => {
      clearInterval(timer)
      await ticks.idle()
    },
  }
}
