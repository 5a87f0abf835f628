/**
 * `npm run eval`: plays labelled conversations through an in-process Baton on a mock WeCom
 * tenant and reports how its judgement compares with a careful handler's. It is a report, not a
 * test: it exits 0 whatever the figures, and non-zero only when the harness itself fails.
 *
 *   npm run eval                        held-out conversation files + ../shared/eval/dev-set.jsonl
 *   npm run eval -- --all               every conversation file (training ones reported apart)
 *   npm run eval -- --set PATH[:TENANT] one file (repeatable); TENANT defaults as described in sets.ts
 *   npm run eval -- --json OUT          also write every line's outcome as JSON
 *   npm run eval -- --quiet             leave out the list of misses (--misses, the default, prints it)
 */
import { realpathSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface EvalArgs {
  all: boolean
  sets: string[]
  json?: string
  misses: boolean
}

export const USAGE = 'usage: npm run eval -- [--all] [--set PATH[:TENANT]]... [--json OUT] [--misses | --quiet]'

export function parseArgs(argv: readonly string[]): EvalArgs {
  const args: EvalArgs = { all: false, sets: [], misses: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`)
      return v
    }
    if (a === '--all') args.all = true
    else if (a === '--set') args.sets.push(value())
    else if (a.startsWith('--set=')) args.sets.push(a.slice('--set='.length))
    else if (a === '--json') args.json = value()
    else if (a.startsWith('--json=')) args.json = a.slice('--json='.length)
    else if (a === '--misses') args.misses = true
    else if (a === '--quiet') args.misses = false
    else throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`)
  }
  return args
}

/** The repository root: two folders above this file. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const args = parseArgs(process.argv.slice(2))
  // Wechaty reads its log level when it is first imported: silence it before anything loads it.
  process.env['WECHATY_LOG'] ??= 'silent'
  const { evaluate } = await import('./evaluate.js')
  await evaluate(args, REPO_ROOT)
}

const isEntry = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
if (isEntry) {
  main().then(
    // pools, queues and the mock puppet may hold timers: the report is done, so leave now
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`eval harness failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    },
  )
}
