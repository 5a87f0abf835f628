import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

/** Debian's Chromium (`apt-get install -y chromium`); .ci/run installs it. */
export const CHROMIUM = process.env['BATON_CHROMIUM'] ?? '/usr/bin/chromium'

// Without the background-networking flags Chromium keeps dialling Google's hosts, which this
// closed network refuses; --no-sandbox because tests run as root.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface HeadlessBrowser {
  context: BrowserContext
  close(): Promise<void>
}

/**
 * Headless Chromium with a fresh profile directory, removed on close. Fails loudly when Chromium
 * is missing. The browser's clock zone defaults to Asia/Shanghai; a test that proves the page
 * follows the tenant's zone instead sets another (UTC).
 */
export async function launchChromium(opts: { timezoneId?: string } = {}): Promise<HeadlessBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (CI does this in .ci/run), or point BATON_CHROMIUM at a Chromium binary`)
  }
  const profile = await mkdtemp(join(tmpdir(), 'baton-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    timezoneId: opts.timezoneId ?? 'Asia/Shanghai',
  })
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined)
      await rm(profile, { recursive: true, force: true })
    },
  }
}
