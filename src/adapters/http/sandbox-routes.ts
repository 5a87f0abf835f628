import { readFileSync } from 'node:fs'
import Router from '@koa/router'
import { z } from 'zod'
import type { SandboxTranscripts } from '../db/sandbox-transcripts.js'
import type { SandboxTenant } from '../wecom/sandbox-tenant.js'
import type { FakeOrderService } from '../orders/fake-order-service.js'
import { AppError } from '../../app/errors.js'
import { validate } from './validate.js'

const sayBody = z
  .object({
    as: z.string().min(1).max(100),
    group: z.string().min(1).max(200).optional(),
    text: z.string().max(100_000).optional(),
    image: z.union([z.boolean(), z.string().max(200)]).optional(),
    mentions: z.array(z.string().min(1).max(100)).max(20).optional(),
  })
  .strict()
  .refine((b) => (b.text !== undefined && b.text.length > 0) || b.image, { message: 'text or image is required', path: ['text'] })

/** A sandbox order's logistics as the fake shop back office holds it (its own status codes). */
const orderBody = z
  .object({
    status: z
      .string()
      .regex(/^[A-Z_]{2,40}$/, 'expected a shop status code such as SHIPPED')
      .optional(),
    company: z.string().min(1).max(40).nullable().optional(),
    trackingNo: z
      .string()
      .regex(/^[A-Za-z0-9-]{4,40}$/)
      .nullable()
      .optional(),
    eta: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
      .nullable()
      .optional(),
  })
  .strict()

/** Someone joins (or leaves) a sandbox group: Wechaty's room-join / room-leave. */
const joinBody = z.object({ group: z.string().min(1).max(200), name: z.string().trim().min(1).max(40) }).strict()

const serviceBody = z.object({ mode: z.enum(['up', 'down', 'slow']) }).strict()

const PAGE = readFileSync(new URL('./assets/sandbox.html', import.meta.url), 'utf8')
const SCRIPT = readFileSync(new URL('./assets/sandbox.js', import.meta.url), 'utf8')

/**
 * Lets a newcomer act as any sandbox person and watch every simulated group and the direct
 * messages with the bot. Transcripts are read from PostgreSQL, so they survive a restart.
 */
export function sandboxRoutes(sandbox: SandboxTenant, transcripts: SandboxTranscripts, orders?: FakeOrderService): Router {
  const router = new Router({ prefix: '/sandbox' })
  router.get('/', (ctx) => {
    ctx.type = 'html'
    ctx.body = PAGE
  })
  router.get('/sandbox.js', (ctx) => {
    ctx.type = 'application/javascript'
    ctx.body = SCRIPT
  })
  router.get('/groups', (ctx) => {
    ctx.body = { groups: sandbox.groups(), people: sandbox.people(), direct: { defaultSpeaker: sandbox.plausibleSpeaker(null) } }
  })
  router.get('/transcript/:group', async (ctx) => {
    const key = ctx.params['group'] ?? ''
    // an unknown group is a 404, as before, not an empty pane
    if (!sandbox.groups().some((g) => g.key === key)) sandbox.transcript(key)
    ctx.body = { group: key, lines: await transcripts.group(key) }
  })
  router.get('/direct', async (ctx) => {
    ctx.body = { lines: await transcripts.direct() }
  })
  router.post('/say', (ctx) => {
    const body = validate(sayBody, ctx.request.body)
    sandbox.say({
      as: body.as,
      ...(body.group !== undefined ? { group: body.group } : {}),
      ...(body.text !== undefined ? { text: body.text } : {}),
      ...(body.image !== undefined ? { image: body.image } : {}),
      ...(body.mentions !== undefined ? { mentions: body.mentions } : {}),
    })
    ctx.status = 202
    ctx.body = { status: 'said' }
  })
  router.post('/join', (ctx) => {
    const body = validate(joinBody, ctx.request.body)
    ctx.status = 202
    ctx.body = { status: 'joined', id: sandbox.join(body.group, { name: body.name }) }
  })
  router.post('/leave', (ctx) => {
    const body = validate(joinBody, ctx.request.body)
    sandbox.leave(body.group, body.name)
    ctx.status = 202
    ctx.body = { status: 'left' }
  })
  if (orders) orderRoutes(router, orders)
  return router
}

/**
 * The sandbox's order service: its orders (GET /sandbox/orders), a change to one order's
 * logistics (POST /sandbox/orders/:orderNo) and how the service answers (POST
 * /sandbox/order-service: up, down with 503, or slower than the lookup's timeout).
 */
function orderRoutes(router: Router, orders: FakeOrderService): void {
  router.get('/orders', (ctx) => {
    ctx.body = { mode: orders.mode, orders: orders.list() }
  })
  router.post('/orders/:orderNo', (ctx) => {
    const body = validate(orderBody, ctx.request.body)
    const order = orders.get(ctx.params['orderNo'] ?? '')
    if (!order) throw new AppError('not_found', 'no such sandbox order')
    if (body.status !== undefined) order.status = body.status
    if (body.company !== undefined) order.logistics.company = body.company
    if (body.trackingNo !== undefined) order.logistics.tracking_no = body.trackingNo
    if (body.eta !== undefined) order.logistics.estimated_delivery = body.eta
    orders.set(order)
    ctx.body = { order }
  })
  router.post('/order-service', (ctx) => {
    orders.mode = validate(serviceBody, ctx.request.body).mode
    ctx.body = { mode: orders.mode }
  })
}
