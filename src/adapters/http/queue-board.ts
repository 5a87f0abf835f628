import type { Middleware } from 'koa'
import type { Queue } from 'bullmq'
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { KoaAdapter } from '@bull-board/koa'
import { requireRole, type TokenBook } from './auth.js'

export const QUEUE_BOARD_PATH = '/admin/queues'

/**
 * bull-board under /admin/queues for supervisors (bearer or the baton_session cookie). The Koa
 * adapter mounts its own small Koa app with koa-mount; it runs inside our Koa 2 app unchanged.
 */
export function queueBoard(tokens: TokenBook, queues: readonly Queue[]): Middleware {
  const adapter = new KoaAdapter()
  adapter.setBasePath(QUEUE_BOARD_PATH)
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter, options: { uiConfig: { boardTitle: 'Baton queues' } } })
  const guard = requireRole(tokens, 'supervisor')
  const plugin = adapter.registerPlugin() as unknown as Middleware
  return async (ctx, next) => {
    if (ctx.path !== QUEUE_BOARD_PATH && !ctx.path.startsWith(`${QUEUE_BOARD_PATH}/`)) return next()
    return guard(ctx, () => plugin(ctx, next))
  }
}
