import { fork, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import type { GatewayEvent, GatewayRequest } from './gateway-process.js'
import type { SayItem } from './messages.js'
import { ownChild } from './stack.js'

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never

/** Forks a TypeScript file under tsx with an IPC channel. */
export function forkTs(file: string, args: string[] = [], env: Record<string, string> = {}, opts: { cpuProf?: string } = {}): ChildProcess {
  const execArgv = ['--import', 'tsx', ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : [])]
  return ownChild(fork(resolve(import.meta.dirname, file), args, { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }))
}

export function waitFor<T>(child: ChildProcess, pred: (m: T) => boolean, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a message from ${child.spawnfile}`))
    }, timeoutMs)
    const onMessage = (m: T) => {
      if (!pred(m)) return
      cleanup()
      resolvePromise(m)
    }
    const onExit = (code: number | null) => {
      cleanup()
      reject(new Error(`child exited with ${code} while we waited for it`))
    }
    const cleanup = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/** The gateway child: a puppet-service server backed by the mock tenant. */
export class Gateway {
  private seq = 0
  readonly botSaid: Array<{ group: string; text: string; at: number }> = []
  private constructor(
    readonly child: ChildProcess,
    readonly endpoint: string,
    readonly token: string,
  ) {
    child.on('message', (m: GatewayEvent) => {
      if (m.type === 'botSaid') this.botSaid.push(m)
    })
  }

  /** With `accountKey`, the gateway logs in as that one of the tenant's accounts. */
  static async start(tenantFile: string, accountKey?: string): Promise<Gateway> {
    const child = forkTs('gateway-process.ts', [tenantFile, ...(accountKey ? [accountKey] : [])])
    const ready = await waitFor<GatewayEvent>(child, (m) => m.type === 'ready', 60_000)
    if (ready.type !== 'ready') throw new Error('unreachable')
    return new Gateway(child, ready.endpoint, ready.token)
  }

  get env(): Record<string, string> {
    return { WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_SERVICE_TOKEN: this.token, WECHATY_PUPPET_SERVICE_ENDPOINT: this.endpoint }
  }

  async request<T>(req: DistributiveOmit<GatewayRequest, 'id'>, timeoutMs = 600_000): Promise<T> {
    const id = ++this.seq
    const reply = waitFor<GatewayEvent>(this.child, (m) => m.type === 'reply' && m.id === id, timeoutMs)
    this.child.send({ ...req, id })
    return ((await reply) as { result: T }).result
  }

  /** `at`: WeCom's time stamp per item (default: now, as each is said). */
  push(items: SayItem[], ratePerSec?: number, at?: number[]): Promise<{ startedAt: number; endedAt: number; count: number }> {
    return this.request({ op: 'push', items, ...(ratePerSec ? { ratePerSec } : {}), ...(at ? { at } : {}) })
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    await this.request({ op: 'stop' }, 20_000).catch(() => this.child.kill())
  }
}
