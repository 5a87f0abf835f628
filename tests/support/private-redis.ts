import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from './mock-gateway.js'

/**
 * A throwaway redis-server of the test's own (never the shared one), which the test may kill
 * and start again on the same port. No persistence: a restart loses every job, like a real
 * Redis restarted without AOF.
 */
export interface PrivateRedis {
  url: string
  port: number
  /** kills the server with SIGKILL (a crash, not a shutdown) */
  kill(): Promise<void>
  start(): Promise<void>
  /** kills it at once, synchronously: for process exit and signal handlers */
  killSync(): void
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' })
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => undefined)
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect()
        await probe.ping()
        probe.disconnect()
        return
      } catch {
        probe.disconnect()
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    throw new Error(`private redis-server on port ${port} did not start`)
  }
  const kill = async (): Promise<void> => {
    const c = child
    child = null
    if (!c || c.exitCode !== null) return
    await new Promise<void>((r) => {
      c.once('exit', () => r())
      c.kill('SIGKILL')
    })
  }
  await start()
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, killSync: () => void child?.kill('SIGKILL') }
}
