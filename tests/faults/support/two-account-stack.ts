import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { freePort } from '../../support/mock-gateway.js'
import { BatonProcess } from './baton-process.js'
import { GatewayControl, type DeliveredLine, type SaidMessage } from './gateway-control.js'
import type { Mouth } from './load.js'

type AccountKey = 'a' | 'b'

/**
 * The fault tenant run by two WeCom accounts, as in tests/support/two-accounts.ts: A sits in the
 * customer and members groups, B in the partner group, both in the internal group.
 */
export function writeTwoAccountTenant(singleTenantFile: string, dir: string): { file: string; accountsOf: (roomId: string) => AccountKey[] } {
  const doc = parse(readFileSync(singleTenantFile, 'utf8')) as Record<string, any>
  delete doc['tenant'].bot
  doc['accounts'] = [
    { key: 'a', wecomId: 'wx-baton-a', displayName: 'Baton客服A' },
    { key: 'b', wecomId: 'wx-baton-b', displayName: 'Baton协调B' },
  ]
  const byRoom = new Map<string, AccountKey[]>()
  for (const g of doc['groups'] as Array<Record<string, any>>) {
    const accounts: AccountKey[] = g['kind'] === 'partner' ? ['b'] : g['kind'] === 'internal' ? ['a', 'b'] : ['a']
    g['accounts'] = accounts
    byRoom.set((g['id'] as string | undefined) ?? `r-${g['key'] as string}@chatroom`, accounts)
  }
  const file = join(dir, 'fault-tenant-two-accounts.yaml')
  writeFileSync(file, stringify(doc))
  return { file, accountsOf: (roomId) => byRoom.get(roomId) ?? [] }
}

/**
 * A split deployment of two accounts: one gateway and one `bot` process per account, two
 * `worker` processes and one `api` process, all on one database and one Redis (queue prefix of
 * its own). A message said in a group both accounts sit in reaches both gateways, each with an
 * id of its own and WeCom's one time stamp.
 */
export class TwoAccountStack implements Mouth {
  readonly said: SaidMessage[] = []
  readonly gateways: Record<AccountKey, GatewayControl>
  readonly workers: BatonProcess[] = []
  private readonly bots: BatonProcess[] = []
  private api: BatonProcess | undefined

  constructor(
    private readonly tenant: { file: string; accountsOf: (roomId: string) => AccountKey[] },
    private readonly baseEnv: Record<string, string>,
    private readonly logDir: string,
    log: (line: string) => void,
  ) {
    this.gateways = { a: new GatewayControl(tenant.file, log, 'a'), b: new GatewayControl(tenant.file, log, 'b') }
  }

  get ledger(): DeliveredLine[] {
    return [...this.gateways.a.ledger, ...this.gateways.b.ledger]
  }

  private get all(): BatonProcess[] {
    return [...(this.api ? [this.api] : []), ...this.workers, ...this.bots]
  }

  async start(timeoutMs: number): Promise<boolean> {
    await this.gateways.a.start()
    await this.gateways.b.start()
    const spawn = (role: 'api' | 'worker' | 'bot', name: string, env: Record<string, string>, port = 0) => {
      const logFile = join(this.logDir, `two-accounts-${name}.log`)
      writeFileSync(logFile, '')
      const p = new BatonProcess({ ...this.baseEnv, BATON_CONFIG: this.tenant.file, PORT: String(port), ...env }, logFile, port, role)
      p.start()
      return p
    }
    // the api process migrates the shared schema; the others start once it is ready
    this.api = spawn('api', 'api', this.gateways.a.env, await freePort())
    if (!(await this.api.waitReady(timeoutMs))) return false
    this.workers.push(spawn('worker', 'worker-1', this.gateways.a.env), spawn('worker', 'worker-2', this.gateways.a.env))
    for (const key of ['a', 'b'] as const) this.bots.push(spawn('bot', `bot-${key}`, { ...this.gateways[key].env, BATON_ACCOUNT: key }))
    return this.waitReady(timeoutMs)
  }

  /** Both bots attached to their gateways, the api ready, every process not deliberately killed running. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if ((await this.readyz()).ok) return true
      await new Promise((r) => setTimeout(r, 250))
    }
    return false
  }

  async readyz(): Promise<{ ok: boolean; body: unknown }> {
    const api = (await this.api?.readyz()) ?? { ok: false, body: 'no api process' }
    const attached = this.gateways.a.attached && this.gateways.b.attached
    const bots = this.bots.every((b) => b.running)
    return { ok: api.ok && attached && bots, body: { api: api.body, gatewaysAttached: attached, botsRunning: bots } }
  }

  say(msg: SaidMessage): void {
    this.said.push(msg)
    for (const key of this.tenant.accountsOf(msg.roomId)) this.gateways[key].say({ ...msg, id: `${msg.id}-${key}` })
  }

  async stop(): Promise<void> {
    for (const p of this.all.reverse()) await p.stop(10_000)
    await this.gateways.a.stop()
    await this.gateways.b.stop()
  }

  killNow(): void {
    for (const p of this.all) p.killNow()
    this.gateways.a.killNow()
    this.gateways.b.killNow()
  }
}
