import type { Alert, AlertChannel } from '../../app/offline-alerts.js'

/** Sliding one-minute window: waits for a free slot instead of exceeding the limit. */
export class PerMinuteLimit {
  private readonly sent: number[] = []

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the next call may go (0 = now). */
  waitMs(): number {
    const now = this.now()
    while (this.sent.length > 0 && now - this.sent[0]! >= 60_000) this.sent.shift()
    return this.sent.length < this.max ? 0 : 60_000 - (now - this.sent[0]!)
  }

  async take(): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await new Promise((r) => setTimeout(r, wait))
    this.sent.push(this.now())
  }
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}

/**
 * A WeCom group robot (群机器人): `POST <url>?key=<key>` with `{msgtype:'markdown', markdown:{content}}`.
 * WeCom allows 20 messages a minute per robot; the answer carries `errcode` (0 = accepted). The
 * key is a secret: it comes from the environment and never appears in errors or logs.
 */
export function wecomRobotChannel(opts: { url: string; key: string; limit?: PerMinuteLimit }): AlertChannel {
  const limit = opts.limit ?? new PerMinuteLimit(20)
  const target = `${opts.url}${opts.url.includes('?') ? '&' : '?'}key=${encodeURIComponent(opts.key)}`
  return {
    name: 'wecom-robot',
    async send(alert: Alert) {
      await limit.take()
      let answer: unknown
      try {
        answer = await postJson(target, { msgtype: 'markdown', markdown: { content: alert.text } })
      } catch (err) {
        // fetch errors may echo the URL, and the URL holds the key
        throw new Error(`WeCom robot webhook failed: ${(err as Error).message.replaceAll(opts.key, '***')}`)
      }
      const errcode = (answer as { errcode?: unknown } | null)?.errcode
      if (errcode !== 0) throw new Error(`WeCom robot webhook refused the message: errcode ${String(errcode)} ${(answer as { errmsg?: string } | null)?.errmsg ?? ''}`.trim())
    },
  }
}

/** A generic JSON webhook (Slack-style relays, PagerDuty bridges, your own service). */
export function httpWebhookChannel(opts: { url: string; token?: string; name: string }): AlertChannel {
  return {
    name: 'http-webhook',
    async send(alert: Alert) {
      await postJson(
        opts.url,
        {
          source: 'baton',
          name: opts.name,
          event: alert.event,
          status: alert.status,
          downSince: alert.downSince.toISOString(),
          at: alert.at.toISOString(),
          downForSeconds: Math.round((alert.at.getTime() - alert.downSince.getTime()) / 1000),
          reason: alert.reason,
          text: alert.text,
        },
        opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      )
    },
  }
}
