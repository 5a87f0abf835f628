import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { parse } from 'yaml'

/** Where a set comes from, which decides how its figures are grouped in the report. */
export type SetKind = 'held_out' | 'training' | 'dev' | 'adhoc'

export interface EvalSet {
  /** what the report calls it (path relative to the repo root) */
  name: string
  path: string
  tenantPath: string
  kind: SetKind
}

const CORPUS = 'data/understanding'
const DEV_SET = '../shared/eval/dev-set.jsonl'
const SANDBOX_TENANT = 'config/sandbox.yaml'

/** `cust.3.jsonl` plays on `tenants/cust.yaml`: the tenant is the name before the first dot. */
export function tenantFor(root: string, conversationPath: string): string {
  const file = basename(conversationPath)
  return join(root, CORPUS, 'tenants', `${file.split('.')[0]}.yaml`)
}

/** The file names `split.yaml` lists under `heldOut:` (an absent file holds nothing out). */
export function heldOutNames(root: string): Set<string> {
  const path = join(root, CORPUS, 'split.yaml')
  if (!existsSync(path)) return new Set()
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as { heldOut?: unknown }
  const list = Array.isArray(doc.heldOut) ? doc.heldOut : []
  // entries may be written as bare names or as paths; the file name is what identifies them
  return new Set(list.filter((x): x is string => typeof x === 'string').map((x) => basename(x)))
}

/**
 * The sets a run plays: held-out conversation files (or all of them with `all`) plus the shared
 * dev set. `notes` says what was skipped and why, so a missing file never passes unnoticed.
 */
export function defaultSets(root: string, opts: { all: boolean }): { sets: EvalSet[]; notes: string[] } {
  const notes: string[] = []
  const sets: EvalSet[] = []
  const dir = join(root, CORPUS, 'conversations')
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()
    : []
  const heldOut = heldOutNames(root)
  for (const name of heldOut) if (!files.includes(name)) notes.push(`split.yaml holds out ${name}, but ${CORPUS}/conversations/${name} does not exist`)
  if (files.length === 0) notes.push(`no conversation files in ${CORPUS}/conversations yet`)
  else if (!opts.all && heldOut.size === 0) notes.push(`split.yaml holds out no conversation file; --all plays the ${files.length} training file(s)`)
  // held-out files first: they are the figures that matter; training ones only with --all
  const ordered = [...files.filter((f) => heldOut.has(f)), ...(opts.all ? files.filter((f) => !heldOut.has(f)) : [])]
  for (const f of ordered) {
    const path = join(dir, f)
    sets.push({ name: relative(root, path), path, tenantPath: tenantFor(root, path), kind: heldOut.has(f) ? 'held_out' : 'training' })
  }
  const dev = resolve(root, DEV_SET)
  if (existsSync(dev)) sets.push({ name: DEV_SET, path: dev, tenantPath: join(root, SANDBOX_TENANT), kind: 'dev' })
  else notes.push(`dev set ${DEV_SET} not found; skipped`)
  return { sets, notes }
}

/**
 * `--set PATH[:TENANT]`: a conversation file of the corpus plays on its own tenant, the dev set
 * and anything else on the sandbox tenant unless a tenant is given.
 */
export function explicitSet(root: string, spec: string, cwd = process.cwd()): EvalSet {
  // split on the last ':' only when what follows names a YAML file (paths may contain ':')
  const m = /^(.*):([^:]+\.ya?ml)$/.exec(spec)
  const path = resolve(cwd, m ? m[1]! : spec)
  let tenantPath: string
  if (m) tenantPath = resolve(cwd, m[2]!)
  else if (resolve(path, '..') === resolve(root, CORPUS, 'conversations')) tenantPath = tenantFor(root, path)
  else tenantPath = join(root, SANDBOX_TENANT)
  const heldOut = heldOutNames(root)
  const inCorpus = resolve(path, '..') === resolve(root, CORPUS, 'conversations')
  const kind: SetKind = path === resolve(root, DEV_SET) ? 'dev' : inCorpus ? (heldOut.has(basename(path)) ? 'held_out' : 'training') : 'adhoc'
  return { name: relative(root, path) || path, path, tenantPath, kind }
}
