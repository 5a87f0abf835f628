import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from '../../support/mock-gateway.js'

/**
 * A redis-server of the suite's own on a free port, without persistence (a restart loses
 * everything, the worst case Baton must survive). Only this one is ever stopped.
 */
export interface PrivateRedis {
  port: number
  url: string
  stop(): Promise<void>
  start(): Promise<void>
  destroy(): Promise<void>
  /** Kills the server at once: for process exit and signal handlers. */
  destroySync(): void
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' })
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => undefined)
    const deadline = Date.now() + 15_000
    for (;;) {
      try {
        await client.connect()
        await client.ping()
        break
      } catch (err) {
        client.disconnect()
        if (Date.now() > deadline) throw new Error(`private redis-server on port ${port} did not start: ${String(err)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    client.disconnect()
  }
  const stop = async () => {
    const c = child
    child = null
    if (!c || c.exitCode !== null) return
    const exited = new Promise((r) => c.once('exit', r))
    c.kill('SIGKILL')
    await exited
  }
  await start()
  return { port, url: `redis://127.0.0.1:${port}`, start, stop, destroy: stop, destroySync: () => void child?.kill('SIGKILL') }
}
