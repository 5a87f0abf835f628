/**
 * The one entry point: `tsx src/main/cli.ts <all|bot|worker|api|migrate>`.
 * Wiring only: configuration errors exit 1 with one line per problem.
 */
import { loadEnv, type Env } from '../config/env.js'
import { ConfigError } from '../config/format-issues.js'
import { loadTenant } from '../config/load-tenant.js'
import { createDataSource, ensureDatabase, runMigrations } from '../adapters/db/data-source.js'
import { sqlEvidenceReader } from '../adapters/db/evidence-store.js'
import { verifyEvidence } from '../app/verify-evidence.js'
import { createLogger } from './logger.js'
import { ALL_ROLES, startBaton, type Role } from './runtime.js'

const COMMANDS = ['all', 'bot', 'worker', 'api', 'migrate', 'evidence-verify'] as const
type Command = (typeof COMMANDS)[number]

async function main(): Promise<void> {
  const command = (process.argv[2] ?? 'all') as Command
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`unknown command ${JSON.stringify(command)}; expected one of ${COMMANDS.join(', ')}\n`)
    process.exit(2)
  }
  let env: Env
  try {
    env = loadEnv()
  } catch (err) {
    return exitWithConfigError(err)
  }
  const log = createLogger(env)

  if (command === 'migrate') {
    const opts = { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }
    await ensureDatabase(opts)
    const ds = await createDataSource(opts).initialize()
    const applied = await runMigrations(ds)
    await ds.destroy()
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date')
    return
  }

  if (command === 'evidence-verify') {
    const arg = process.argv[3]
    const caseId = arg === undefined ? undefined : Number(arg.replace(/^#/, ''))
    if (caseId !== undefined && (!Number.isInteger(caseId) || caseId <= 0)) {
      process.stderr.write(`usage: npm run evidence:verify [case id]; got ${JSON.stringify(arg)}\n`)
      process.exit(2)
    }
    const ds = await createDataSource({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }).initialize()
    const report = await verifyEvidence(sqlEvidenceReader(ds), caseId)
    await ds.destroy()
    for (const b of report.broken) process.stdout.write(`case ${b.caseId}: chain broken at event ${b.eventId} (seq ${b.seq}): ${b.reason}\n`)
    process.stdout.write(`${report.checked} case(s) checked, ${report.broken.length} broken\n`)
    process.exit(report.broken.length === 0 ? 0 : 1)
  }

  let tenant
  try {
    tenant = loadTenant(env.BATON_CONFIG)
  } catch (err) {
    return exitWithConfigError(err)
  }
  const roles: readonly Role[] = command === 'all' ? ALL_ROLES : [command]
  // a refused sandbox or bad API tokens: the same one-line-per-problem exit as a bad config file
  const runtime = await startBaton({ env, tenant, roles, log }).catch((err: unknown) => exitWithConfigError(err))
  log.info({ roles, sandbox: env.sandbox, tenant: tenant.tenant.name }, 'Baton started')

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    runtime.stop().then(
      () => {
        log.info({}, 'stopped')
        process.exit(0)
      },
      (err: Error) => {
        log.error({ err: { message: err.message } }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  // the banner last: whoever reads it (a person, a script waiting for it) may stop Baton at once,
  // and a SIGTERM before the handlers above would kill it without a clean stop
  if (env.sandbox && runtime.server) printSandboxHelp(env)
}

function exitWithConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    for (const line of err.problems) process.stderr.write(`${line}\n`)
    process.exit(1)
  }
  throw err
}

function printSandboxHelp(env: Env): void {
  const base = `http://${env.HOST}:${env.PORT}`
  process.stdout.write(
    [
      '',
      `  Baton sandbox is running. Open ${base}/sandbox to act as anyone in the simulated groups,`,
      '  or from another terminal:',
      `    curl -s ${base}/sandbox/say -H 'content-type: application/json' \\`,
      `      -d '{"as":"李师傅","group":"partner-anxin","text":"麻烦让老张家里人上传一下空调安装位置的照片"}'`,
      `    curl -s ${base}/sandbox/transcript/internal`,
      '',
    ].join('\n') + '\n',
  )
}

main().catch((err: unknown) => {
  process.stderr.write(`baton: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
