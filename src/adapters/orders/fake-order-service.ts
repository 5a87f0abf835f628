import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { localDay } from '../../domain/local-day.js'

/** One order as a typical shop back office reports it (the shape README's example maps). */
export interface FakeOrder {
  order_no: string
  status: string
  status_text?: string
  logistics: { company: string | null; tracking_no: string | null; estimated_delivery: string | null }
  items: Array<{ title: string; quantity: number }>
  /** never mapped by the sandbox: shows that what is not configured never reaches anyone */
  receiver?: { name: string; phone: string; address: string }
}

/** How the fake answers: normally, with 503, or too slowly (after `slowMs`). */
export type FakeServiceMode = 'up' | 'down' | 'slow'

/**
 * A local stand-in for a shop's order service, speaking the JSON protocol of README's example
 * (`GET /orders/{order_no}` → `{ code: 0, data: {...} }`). The sandbox serves its two orders
 * with it (their logistics state changeable through /sandbox) and tests drive it the same way.
 */
export class FakeOrderService {
  private server: Server | null = null
  private readonly orders = new Map<string, FakeOrder>()
  mode: FakeServiceMode = 'up'
  slowMs = 10_000
  /** requests seen (order numbers), for tests that count lookups */
  readonly requests: string[] = []

  constructor(private readonly token: string | null = null) {}

  set(order: FakeOrder): void {
    this.orders.set(order.order_no, structuredClone(order))
  }

  get(orderNo: string): FakeOrder | undefined {
    const o = this.orders.get(orderNo)
    return o ? structuredClone(o) : undefined
  }

  list(): FakeOrder[] {
    return [...this.orders.values()].map((o) => structuredClone(o))
  }

  /** Listens on the loopback interface; resolves with the base URL (no trailing slash). */
  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.answer(req, res))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = null
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/orders\/([^/?]+)$/.exec(req.url?.split('?')[0] ?? '')
    if (req.method !== 'GET' || !m) return send(res, 404, { code: 404, message: 'not found' })
    const orderNo = decodeURIComponent(m[1]!)
    this.requests.push(orderNo)
    if (this.token !== null && req.headers['authorization'] !== `Bearer ${this.token}`) return send(res, 401, { code: 401, message: 'unauthorized' })
    if (this.mode === 'down') return send(res, 503, { code: 503, message: 'service unavailable' })
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs))
    if (res.destroyed) return
    const order = this.orders.get(orderNo)
    if (!order) return send(res, 404, { code: 404, message: 'order not found' })
    send(res, 200, { code: 0, message: 'ok', data: order })
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

/** The sandbox's two orders (config/sandbox.yaml): Mr Zhang's air conditioner on its way, Ms Zhao's filter paid. */
export function sandboxOrders(now: Date, timeZone: string): FakeOrder[] {
  const tomorrow = localDay(new Date(now.getTime() + 24 * 3600_000), timeZone)
  return [
    {
      order_no: 'DD20261101001',
      status: 'SHIPPED',
      status_text: '已发货',
      logistics: { company: '顺丰速运', tracking_no: 'SF1234567890', estimated_delivery: tomorrow },
      items: [{ title: '变频空调 1.5匹', quantity: 1 }],
      receiver: { name: '张先生', phone: '13800001234', address: '上海市徐汇区示例路1号' },
    },
    {
      order_no: 'DD20261102007',
      status: 'WAIT_SELLER_SEND',
      status_text: '待发货',
      logistics: { company: null, tracking_no: null, estimated_delivery: null },
      items: [{ title: '净水器滤芯', quantity: 2 }],
      receiver: { name: '赵女士', phone: '13900005678', address: '上海市静安区示例路2号' },
    },
  ]
}
