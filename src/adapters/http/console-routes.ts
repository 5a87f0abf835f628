import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import Router from '@koa/router'
import { send } from '@koa/send'
import { AppError } from '../../app/errors.js'
import type { Wording } from '../../config/load-wording-dir.js'

const ASSETS = fileURLToPath(new URL('./assets/console/', import.meta.url))
// Chart.js is served from node_modules: the browser never reaches a CDN (no internet at run time)
const CHART_DIR = dirname(createRequire(import.meta.url).resolve('chart.js'))

/** The wording sections the console shows, so state and party names have one source. */
const LABEL_SECTIONS = {
  states: 'labels.states.',
  parties: 'labels.parties.',
  serviceTypes: 'labels.serviceTypes.',
  riskFlags: 'labels.riskFlags.',
  leakKinds: 'labels.leakKinds.',
  categories: 'labels.categories.',
  draftStatus: 'labels.draftStatus.',
  events: 'replies.events.',
  metricNames: 'metrics.names.',
} as const

export interface ConsoleSettings {
  sandbox: boolean
  /** policy.timezone: the console shows every time in the tenant's zone, whatever the browser's */
  timeZone: string
  labels: Record<keyof typeof LABEL_SECTIONS, Record<string, string>>
}

export function consoleSettings(wording: Wording, opts: { sandbox: boolean; timeZone: string }): ConsoleSettings {
  const labels = Object.fromEntries(Object.keys(LABEL_SECTIONS).map((k) => [k, {}])) as Record<keyof typeof LABEL_SECTIONS, Record<string, string>>
  for (const [key, text] of wording) {
    for (const [section, prefix] of Object.entries(LABEL_SECTIONS) as [keyof typeof LABEL_SECTIONS, string][]) {
      if (key.startsWith(prefix)) labels[section][key.slice(prefix.length)] = text
    }
  }
  return { sandbox: opts.sandbox, timeZone: opts.timeZone, labels }
}

/**
 * The web console under /console: static HTML + ES modules (no build step), Chart.js from
 * node_modules, and the labels it shows. All data comes from /api/v1 with the session cookie.
 * Its CSP and other security headers are the whole app's (security-headers.ts).
 */
export function consoleRoutes(opts: { wording: Wording; sandbox: boolean; timeZone: string }): Router {
  const settings = consoleSettings(opts.wording, { sandbox: opts.sandbox, timeZone: opts.timeZone })
  const router = new Router({ prefix: '/console' })
  // relative module paths resolve against /console/, so the bare path redirects there
  router.get('/', async (ctx) => {
    if (!ctx.path.endsWith('/')) return ctx.redirect('/console/')
    ctx.set('Cache-Control', 'no-cache')
    await send(ctx, 'index.html', { root: ASSETS })
  })
  router.get('/settings.json', (ctx) => {
    ctx.set('Cache-Control', 'no-cache')
    ctx.body = settings
  })
  router.get('/vendor/chart.js', async (ctx) => {
    ctx.type = 'application/javascript'
    await send(ctx, 'chart.umd.min.js', { root: CHART_DIR, maxage: 86_400_000 })
  })
  router.get('/(.*)', async (ctx) => {
    const file = ctx.params[0] ?? ''
    // only the console's own asset kinds; @koa/send refuses paths that leave the root
    if (!/^[\w./-]+\.(js|css|svg|html)$/.test(file)) throw new AppError('not_found', `no console asset ${file}`)
    ctx.set('Cache-Control', 'no-cache')
    const served = await send(ctx, file, { root: ASSETS }).catch((err: { status?: number }) => {
      if (err.status === 404 || err.status === 400 || err.status === 403) return undefined
      throw err
    })
    if (!served) throw new AppError('not_found', `no console asset ${file}`)
  })
  return router
}
