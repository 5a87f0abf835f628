import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpWebhookChannel, PerMinuteLimit, wecomRobotChannel } from '../../src/adapters/alerts/webhook-channels.js'
import type { Alert } from '../../src/app/offline-alerts.js'

interface Hit {
  url: string
  headers: IncomingMessage['headers']
  body: unknown
}

describe('alert channels that do not depend on the puppet', () => {
  let server: Server
  let base = ''
  const hits: Hit[] = []
  let answer: unknown = { errcode: 0, errmsg: 'ok' }

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = ''
      req.on('data', (c: Buffer) => (data += c.toString()))
      req.on('end', () => {
        hits.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(data) })
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(answer))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const addr = server.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const alert: Alert = { event: 'offline', text: '⚠️ 企业微信连接中断', status: 'reconnecting', downSince: new Date('2026-11-26T08:00:00Z'), at: new Date('2026-11-26T08:05:00Z'), reason: '14 UNAVAILABLE' }

  it('posts the WeCom group-robot markdown message to <url>?key=<key>', async () => {
    answer = { errcode: 0, errmsg: 'ok' }
    await wecomRobotChannel({ url: `${base}/cgi-bin/webhook/send`, key: 'k-secret' }).send(alert)
    const hit = hits.at(-1)!
    expect(hit.url).toBe('/cgi-bin/webhook/send?key=k-secret')
    expect(hit.body).toEqual({ msgtype: 'markdown', markdown: { content: '⚠️ 企业微信连接中断' } })
  })

  it('treats a non-zero errcode as not delivered, without the key in the error', async () => {
    answer = { errcode: 93000, errmsg: 'invalid webhook url' }
    const err = await wecomRobotChannel({ url: `${base}/cgi-bin/webhook/send`, key: 'k-secret' })
      .send(alert)
      .catch((e: Error) => e)
    expect(String(err)).toContain('errcode 93000')
    expect(String(err)).not.toContain('k-secret')
  })

  it('posts a generic JSON webhook with the facts and a bearer token', async () => {
    answer = {}
    await httpWebhookChannel({ url: `${base}/hook`, token: 't-1', name: 'Baton 测试' }).send(alert)
    const hit = hits.at(-1)!
    expect(hit.headers['authorization']).toBe('Bearer t-1')
    expect(hit.body).toEqual({
      source: 'baton',
      name: 'Baton 测试',
      event: 'offline',
      status: 'reconnecting',
      downSince: '2026-11-26T08:00:00.000Z',
      at: '2026-11-26T08:05:00.000Z',
      downForSeconds: 300,
      reason: '14 UNAVAILABLE',
      text: '⚠️ 企业微信连接中断',
    })
  })

  it('keeps to 20 messages a minute: the 21st waits for the oldest to leave the window', async () => {
    let now = 0
    const limit = new PerMinuteLimit(20, () => now)
    for (let i = 0; i < 20; i++) {
      expect(limit.waitMs()).toBe(0)
      await limit.take()
      now += 1000
    }
    expect(limit.waitMs()).toBe(40_000)
    now = 60_000
    expect(limit.waitMs()).toBe(0)
  })
})
