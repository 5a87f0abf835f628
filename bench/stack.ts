import { spawn, fork, type ChildProcess } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from '../tests/support/mock-gateway.js'
import { BENCH_DATABASE_URL } from './db.js'

/** What `npm start` puts in NODE_OPTIONS when it is unset (the heap budget): Baton runs here as it does there. */
const PACKAGE_NODE_OPTIONS: string = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { config: { node_options: string } }).config.node_options

const children = new Set<ChildProcess>()
/** Children die with the benchmark, however it ends (Ctrl-C, a crash, a timeout). */
export function ownChild(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

/** A private redis-server the benchmark starts, FLUSHALLs and stops; never the shared one. */
export interface PrivateRedis {
  url: string
  port: number
  client: Redis
  stop(): Promise<void>
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' })
  ownChild(child)
  const url = `redis://127.0.0.1:${port}`
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, retryStrategy: () => 100 })
  client.on('error', () => undefined) // refused until the server listens; real failures surface as timeouts
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await client.connect()
      await client.ping()
      break
    } catch (err) {
      if (Date.now() > deadline) throw err
      client.disconnect()
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    url,
    port,
    client,
    stop: async () => {
      client.disconnect()
      child.kill('SIGTERM')
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))
    },
  }
}

/** Baton's all-in-one process (`src/main/cli.ts all`), exactly as `npm start` runs it. */
export interface BatonProcess {
  child: ChildProcess
  port: number
  rssBytes(): number
  /** user + system CPU time the process has used so far, in ms */
  cpuMs(): number
  stop(): Promise<void>
}

export async function startBatonProcess(opts: {
  logFile: string
  schema: string
  tenantFile: string
  redisUrl: string
  prefix: string
  gatewayEnv: Record<string, string>
  cpuProfDir?: string
  /** e.g. BATON_ACCOUNT for one process per account */
  extraEnv?: Record<string, string>
}): Promise<BatonProcess> {
  const port = await freePort()
  const execArgv = [
    '--import',
    'tsx',
    ...(process.env['BENCH_NODE_FLAGS'] ? process.env['BENCH_NODE_FLAGS'].split(' ') : []),
    ...(process.env['BENCH_MEM_PROBE'] ? ['--import', process.env['BENCH_MEM_PROBE']] : []),
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
  ]
  const child = fork(resolve(import.meta.dirname, '../src/main/cli.ts'), ['all'], {
    execArgv,
    // Baton logs JSON lines at info as in production; kept for reading after a run
    stdio: ['ignore', openSync(opts.logFile, 'w'), openSync(opts.logFile, 'a'), 'ipc'],
    env: {
      ...process.env,
      // the heap budget `npm start` gives Baton (package.json config.node_options)
      NODE_OPTIONS: process.env['NODE_OPTIONS'] ?? PACKAGE_NODE_OPTIONS,
      NODE_ENV: 'production',
      DATABASE_URL: BENCH_DATABASE_URL,
      DATABASE_SCHEMA: opts.schema,
      REDIS_URL: opts.redisUrl,
      BATON_QUEUE_PREFIX: opts.prefix,
      BATON_CONFIG: opts.tenantFile,
      BATON_MIGRATE: 'off',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info',
      LOG_PRETTY: '0',
      ...opts.gatewayEnv,
      ...opts.extraEnv,
    },
  })
  ownChild(child)
  let exited = false
  child.once('exit', () => (exited = true))
  const deadline = Date.now() + 90_000
  for (;;) {
    if (exited) throw new Error(`Baton exited with ${child.exitCode} during start-up`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`)
      if (res.status === 200) break
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error('Baton did not become ready within 90 s')
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return {
    child,
    port,
    rssBytes: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
      return Number(kb ?? 0) * 1024
    },
    cpuMs: () => {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
      // utime and stime, the 14th and 15th fields, in clock ticks (100 per second on Linux)
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return (Number(fields[11]) + Number(fields[12])) * 10
    },
    stop: async () => {
      if (exited) return
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await gone
      clearTimeout(timer)
    },
  }
}
