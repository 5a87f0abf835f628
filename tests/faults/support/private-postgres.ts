import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '../../support/mock-gateway.js'

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`))
      else resolve({ stdout, stderr })
    })
  })
}

/**
 * A PostgreSQL cluster of the suite's own (initdb into a temp dir, trust auth, a free port):
 * the fault suite stops and starts it, never the shared one. initdb and postgres refuse to run
 * as root, so as root they run as the `postgres` system user, which owns the temp dir.
 */
export interface PrivatePostgres {
  port: number
  url(database: string): string
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server (if running) and removes its files. */
  destroy(): Promise<void>
  /** The same, synchronously: for process exit and signal handlers. */
  destroySync(): void
}

function binDir(): string {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (install the postgresql package)')
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b))
  const latest = versions.at(-1)
  if (!latest) throw new Error('no /usr/lib/postgresql/<version>/bin/initdb found')
  return join(root, latest, 'bin')
}

async function unprivilegedUser(): Promise<{ name: string; uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null
  const { stdout: uid } = await run('id', ['-u', 'postgres'])
  const { stdout: gid } = await run('id', ['-g', 'postgres'])
  return { name: 'postgres', uid: Number(uid.trim()), gid: Number(gid.trim()) }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir()
  const user = await unprivilegedUser()
  const dir = mkdtempSync(join(tmpdir(), 'baton-faults-pg-'))
  if (user) chownSync(dir, user.uid, user.gid)
  const data = join(dir, 'data')
  const port = await freePort()
  const exec = (cmd: string, args: string[]) => (user ? run('runuser', ['-u', user.name, '--', join(bin, cmd), ...args], { cwd: dir }) : run(join(bin, cmd), args, { cwd: dir }))
  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'])
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=60 -c shared_buffers=32MB`
  let running = false
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'])
    running = true
  }
  const stop = async () => {
    // fast: clients are disconnected at once, like a crash or a failover would do to Baton
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'])
    running = false
  }
  await start()
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`
  const admin = new pg.Client({ connectionString: url('postgres') })
  await admin.connect()
  await admin.query('CREATE DATABASE baton')
  await admin.end()
  return {
    port,
    url,
    start,
    stop,
    destroy: async () => {
      if (running) await stop().catch(() => exec('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined))
      rmSync(dir, { recursive: true, force: true })
    },
    destroySync: () => {
      const args = ['-D', data, '-m', 'immediate', '-w', 'stop']
      try {
        if (user) execFileSync('runuser', ['-u', user.name, '--', join(bin, 'pg_ctl'), ...args], { stdio: 'ignore' })
        else execFileSync(join(bin, 'pg_ctl'), args, { stdio: 'ignore' })
      } catch {
        // not running
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
