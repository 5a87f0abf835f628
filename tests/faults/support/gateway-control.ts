import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../support/mock-gateway.js'
import type { GatewayCommand, GatewayEvent, SaidMessage } from './gateway-process.js'

export type { SaidMessage }

/** One message the bot's account put into a conversation, as the gateway saw it. */
export interface DeliveredLine {
  conversationId: string
  text: string
  at: number
}

const ENTRY = fileURLToPath(new URL('./gateway-process.ts', import.meta.url))
/** A restarted gateway carries over what it emitted in this window before it died. */
const CARRY_OVER_MS = 30_000

/**
 * The suite's side of the gateway process: it keeps what survives a gateway crash (everything
 * said, every delivery) and can kill the gateway and bring it back on the same endpoint.
 */
export class GatewayControl {
  readonly ledger: DeliveredLine[] = []
  readonly refusedSends: DeliveredLine[] = []
  readonly said: SaidMessage[] = []
  readonly token = `insecure_${randomUUID()}`
  endpoint = ''
  private child: ChildProcess | null = null
  private killedAt: number | null = null
  /** a client is subscribed to the gateway's events */
  attached = false

  constructor(
    private readonly tenantFile: string,
    private readonly log: (line: string) => void,
    /** which of the tenant's accounts this gateway logs in as (default the first) */
    private readonly accountKey?: string,
  ) {}

  get env(): Record<string, string> {
    return { WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_SERVICE_TOKEN: this.token, WECHATY_PUPPET_SERVICE_ENDPOINT: this.endpoint }
  }

  get up(): boolean {
    return this.child !== null
  }

  async start(): Promise<void> {
    if (!this.endpoint) this.endpoint = `127.0.0.1:${await freePort()}`
    const child = fork(ENTRY, [this.tenantFile, this.endpoint, this.token, ...(this.accountKey ? [this.accountKey] : [])], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, WECHATY_LOG: 'silent' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    const booted = this.waitFor(child, 'booted')
    const ready = this.waitFor(child, 'ready')
    child.on('message', (raw) => {
      const e = raw as GatewayEvent
      if (e.ev === 'sent') this.ledger.push({ conversationId: e.conversationId, text: e.text, at: e.at })
      else if (e.ev === 'sendRefused') this.refusedSends.push({ conversationId: e.conversationId, text: '', at: e.at })
      else if (e.ev === 'attached') {
        this.attached = true
        this.log(`gateway${this.accountKey ? ` ${this.accountKey}` : ''}: client attached, ${e.replayed} message(s) re-emitted`)
      } else if (e.ev === 'detached') {
        this.attached = false
        this.log(`gateway${this.accountKey ? ` ${this.accountKey}` : ''}: client detached`)
      }
    })
    child.once('exit', () => {
      if (this.child === child) this.child = null
    })
    await booted
    this.child = child
    if (this.killedAt !== null) {
      // history the dead gateway had emitted shortly before it died, plus what was said while
      // it was down; every other message comes back with a new id
      const since = this.killedAt - CARRY_OVER_MS
      const carried = this.said.filter((m) => m.at >= since)
      const killedAt = this.killedAt
      this.command(child, { op: 'hold', msgs: carried.map((m, i) => ({ ...m, reissue: m.at < killedAt && i % 2 === 1 })) })
      this.log(`gateway: restarted with ${carried.length} message(s) carried over`)
      this.killedAt = null
    }
    this.command(child, { op: 'listen' })
    await ready
  }

  /** kill -9: the gateway vanishes mid-stream. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child) return
    this.child = null
    this.attached = false
    this.killedAt = Date.now()
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }

  /** Says a message in a group; while the gateway is down it is kept for the next one. */
  say(msg: SaidMessage): void {
    this.said.push(msg)
    if (this.child) this.command(this.child, { op: 'say', msg })
  }

  failSends(forMs: number): void {
    if (this.child) this.command(this.child, { op: 'failSends', forMs })
  }

  /** A message event for an id the puppet cannot load: its payload never arrives. */
  emitUnloadable(id: string): void {
    if (this.child) this.command(this.child, { op: 'emitUnloadable', id })
  }

  /** The next send the bot makes is neither delivered nor answered (a call lost on its way). */
  swallowNextSend(): void {
    if (this.child) this.command(this.child, { op: 'swallowNextSend' })
  }

  async stop(): Promise<void> {
    const child = this.child
    this.child = null
    if (!child || child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }

  /** SIGKILL without waiting: for process exit and signal handlers. */
  killNow(): void {
    this.child?.kill('SIGKILL')
  }

  private command(child: ChildProcess, cmd: GatewayCommand): void {
    child.send(cmd)
  }

  private waitFor(child: ChildProcess, ev: GatewayEvent['ev']): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not report ${ev} within 60 s`)), 60_000)
      const onMessage = (raw: unknown) => {
        if ((raw as GatewayEvent).ev === ev) {
          clearTimeout(timer)
          child.off('message', onMessage)
          resolve()
        }
      }
      child.on('message', onMessage)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`gateway exited (${code}) before ${ev}`))
      })
    })
  }
}
