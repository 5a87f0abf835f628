import type { SandboxHarness } from './sandbox-runtime.js'
import { eventually } from './test-env.js'

/** What people in a sandbox group see, as plain lines of text. */
export function seen(h: SandboxHarness, group: string): string[] {
  return h.runtime.sandbox!.transcript(group).map((l) => l.text)
}

/** What the bot itself said in a group. */
export function botSaid(h: SandboxHarness, group: string): string[] {
  const botId = h.tenant.tenant.bot?.id ?? 'wx-baton'
  return h.runtime
    .sandbox!.transcript(group)
    .filter((l) => l.talkerId === botId)
    .map((l) => l.text)
}

/** Says something as someone and waits until Baton has recorded and decided it. */
export async function sayAndSettle(h: SandboxHarness, input: { as: string; group?: string; text?: string; image?: boolean | string }): Promise<void> {
  const before: { n: number }[] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE direction = 'inbound'`)
  h.runtime.sandbox!.say(input)
  await eventually(async () => {
    const rows: { n: number; open: number }[] = await h.runtime.ds.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE handled_at IS NULL)::int AS open FROM messages WHERE direction = 'inbound'`)
    return rows[0]!.n > before[0]!.n && rows[0]!.open === 0
  })
  await h.runtime.session!.drain()
}

/**
 * Waits until every send that is due has been delivered (or failed for good). A send held on
 * purpose until later (quiet hours: the sandbox's SOP tip or a welcome posted at night) is not in
 * flight and is not waited for.
 */
export async function sendsSettled(h: SandboxHarness): Promise<void> {
  await eventually(
    async () => {
      const rows: { n: number }[] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM sends WHERE status IN ('queued','sending') AND (not_before IS NULL OR not_before <= now())`)
      return rows[0]!.n === 0
    },
    { timeoutMs: 15_000 },
  )
  // the bot's own messages reach the transcript asynchronously
  await new Promise((r) => setTimeout(r, 100))
}
