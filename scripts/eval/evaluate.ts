import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { EvalArgs } from './run.js'
import { playSet, type SetResult } from './play.js'
import { jsonReport, setHeader, setReport } from './report.js'
import { defaultSets, explicitSet, type EvalSet, type SetKind } from './sets.js'

const KIND_TITLE: Record<SetKind, string> = { held_out: 'held-out', training: 'training', dev: 'dev set', adhoc: 'ad hoc' }

/** Plays the chosen sets one after another and prints the report; returns the results. */
export async function evaluate(args: EvalArgs, root: string, out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<SetResult[]> {
  let sets: EvalSet[]
  let notes: string[] = []
  if (args.sets.length > 0) sets = args.sets.map((s) => explicitSet(root, s))
  else ({ sets, notes } = defaultSets(root, { all: args.all }))
  for (const n of notes) out(`note: ${n}`)
  if (sets.length === 0) out('nothing to play')

  const results: SetResult[] = []
  for (const set of sets) {
    out(`playing ${set.name} (${KIND_TITLE[set.kind]}) on ${set.tenantPath} …`)
    const r = await playSet(set)
    results.push(r)
    out('')
    out(setReport(`${set.name} [${KIND_TITLE[set.kind]}]`, r.lines, { misses: args.misses, extra: setHeader(r) }))
    out('')
  }
  // pooled figures per kind of set: held-out and training are never mixed
  for (const kind of ['held_out', 'training'] as const) {
    const of = results.filter((r) => r.set.kind === kind)
    if (of.length > 1)
      out(
        `${setReport(
          `${KIND_TITLE[kind]} total (${of.length} files)`,
          of.flatMap((r) => r.lines),
          { misses: false },
        )}\n`,
      )
  }
  if (args.json) {
    const path = resolve(args.json)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `${JSON.stringify(jsonReport(results, notes), null, 2)}\n`)
    out(`full results written to ${path}`)
  }
  return results
}
