import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'

/**
 * Baton as a real child process (`node --import tsx src/main/cli.ts all`, the same as
 * `tsx src/main/cli.ts all` but without tsx's wrapper process, so kill -9 hits Baton itself).
 */
export class BatonProcess {
  private child: ChildProcess | null = null
  starts = 0

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    readonly port: number,
    /** the cli command: `all`, or one role (`bot`, `worker`, `api`) of a split deployment */
    private readonly role: 'all' | 'bot' | 'worker' | 'api' = 'all',
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null
  }

  start(): void {
    const fd = openSync(this.logFile, 'a')
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', this.role], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', fd, fd],
    })
    closeSync(fd)
    this.starts++
  }

  /** Waits until /readyz answers 200 `ready` (PostgreSQL, Redis and the WeCom session all up, the spool empty). */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.running) return false
      if ((await this.readyz()).ok) return true
      await new Promise((r) => setTimeout(r, 250))
    }
    return false
  }

  async readyz(): Promise<{ ok: boolean; body: unknown }> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}/readyz`, { signal: AbortSignal.timeout(2000) })
      const body = (await res.json().catch(() => null)) as { status?: string } | null
      // 200 also means "degraded" (Redis down, messages in the spool): recovered is all the way back
      return { ok: res.status === 200 && body?.status === 'ready', body }
    } catch (err) {
      return { ok: false, body: String(err) }
    }
  }

  /** SIGKILL without waiting: for process exit and signal handlers. */
  killNow(): void {
    this.child?.kill('SIGKILL')
  }

  async kill9(): Promise<void> {
    await this.signal('SIGKILL', 5000)
  }

  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    await this.signal('SIGTERM', graceMs)
    if (this.running) await this.signal('SIGKILL', 5000)
  }

  private async signal(sig: NodeJS.Signals, waitMs: number): Promise<void> {
    const c = this.child
    if (!c || !this.running) return
    const exited = new Promise((r) => c.once('exit', r))
    c.kill(sig)
    await Promise.race([exited, new Promise((r) => setTimeout(r, waitMs))])
  }
}
