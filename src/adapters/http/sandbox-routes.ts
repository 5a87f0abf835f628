import { readFileSync } from 'node:fs'
import Router from '@koa/router'
import { z } from 'zod'
import type { SandboxTranscripts } from '../db/sandbox-transcripts.js'
import type { SandboxTenant } from '../wecom/sandbox-tenant.js'
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

const PAGE = readFileSync(new URL('./assets/sandbox.html', import.meta.url), 'utf8')
const SCRIPT = readFileSync(new URL('./assets/sandbox.js', import.meta.url), 'utf8')

/**
 * Lets a newcomer act as any sandbox person and watch every simulated group and the direct
 * messages with the bot. Transcripts are read from PostgreSQL, so they survive a restart.
 */
export function sandboxRoutes(sandbox: SandboxTenant, transcripts: SandboxTranscripts): Router {
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
  return router
}
