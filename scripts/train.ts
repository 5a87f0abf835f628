/**
 * npm run train: trains the intent model on the labelled corpus and writes
 * config/understanding/intent-model.json.
 *
 * Training data: every data/understanding/conversations/*.jsonl not held out in split.yaml, plus
 * the operator examples in config/understanding/examples.yaml. The held-out files and the shared
 * dev set (../shared/eval/dev-set.jsonl) are only ever scored, never learned from.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parse } from 'yaml'
import { z } from 'zod'
import { ConfigError, formatZodIssues } from '../src/config/format-issues.js'
import { loadTenant, type Tenant } from '../src/config/load-tenant.js'
import { INTENT_LABELS, LABELS_BY_SPEAKER, classifyIntent, intentOfLabel, scopedLabel, trainIntentModel, type IntentModel, type Speaker, type TrainingExample } from '../src/domain/understanding/intent-model.js'
import { INTENTS } from '../src/domain/types.js'

const CORPUS_DIR = 'data/understanding'
const CONVERSATIONS_DIR = join(CORPUS_DIR, 'conversations')
const TENANTS_DIR = join(CORPUS_DIR, 'tenants')
const SPLIT_FILE = join(CORPUS_DIR, 'split.yaml')
/** standalone labelled messages ({ text, speaker, label } per line): plain forms conversations rarely show */
const EXAMPLES_DIR = join(CORPUS_DIR, 'examples')
const OPERATOR_EXAMPLES = 'config/understanding/examples.yaml'
const MODEL_FILE = 'config/understanding/intent-model.json'
// The dev set is the sandbox tenant's conversations; its speakers come from the sandbox file.
const DEV_SET = process.env.BATON_DEV_SET ?? '../shared/eval/dev-set.jsonl'
const DEV_TENANT = 'config/sandbox.yaml'

const labelSchema = z.enum(INTENT_LABELS)
const speakerSchema = z.enum(['customer', 'partner', 'staff'])

/** The fields training needs; the rest of a line (expect, mustNot, note…) is for the evaluation. */
const corpusLineSchema = z
  .object({
    group: z.string().min(1),
    as: z.string().min(1),
    text: z.string(),
    type: z.enum(['image', 'file', 'video']).optional(),
    label: labelSchema,
    intent: z.enum(INTENTS).optional(),
    customer: z.string().nullable().optional(),
  })
  .passthrough()

const devLineSchema = z.object({ group: z.string(), as: z.string(), text: z.string(), intent: z.enum(INTENTS) }).passthrough()

const operatorExamplesSchema = z.array(z.object({ text: z.string().min(1), speaker: speakerSchema, label: labelSchema }).strict())

const splitSchema = z.object({ heldOut: z.array(z.string()).nullish() }).passthrough()

interface Scored {
  text: string
  speaker: Speaker
  /** What the prediction is compared with: a label, or an intent for the dev set. */
  gold: string
}

// ---------------------------------------------------------------- speakers

/**
 * Who is talking, from the tenant file: staff (handler/supervisor) in any group; partner for a
 * partner person or anyone else in a partner group; everyone else (also unknown outsiders) a customer.
 */
function speakerOf(tenant: Tenant, groupKey: string, personId: string): Speaker | `unknown ${string}` {
  const group = tenant.groups.find((g) => g.key === groupKey)
  if (!group) return `unknown group ${JSON.stringify(groupKey)}`
  if (personId === 'outsider') return group.kind === 'partner' ? 'partner' : 'customer'
  const person = tenant.people.find((p) => p.id === personId)
  if (!person) return `unknown person ${JSON.stringify(personId)}`
  if (person.roles.includes('handler') || person.roles.includes('supervisor')) return 'staff'
  if (person.roles.includes('partner') || group.kind === 'partner') return 'partner'
  return 'customer'
}

function isSpeaker(s: string): s is Speaker {
  return s === 'customer' || s === 'partner' || s === 'staff'
}

// ---------------------------------------------------------------- reading

function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8')) as unknown
}

function heldOutFiles(): Set<string> {
  const parsed = splitSchema.safeParse(readYaml(SPLIT_FILE) ?? {})
  if (!parsed.success) throw new ConfigError(formatZodIssues(SPLIT_FILE, parsed.error.issues))
  return new Set((parsed.data.heldOut ?? []).map((f) => basename(f)))
}

function conversationFiles(): string[] {
  if (!existsSync(CONVERSATIONS_DIR)) return []
  return readdirSync(CONVERSATIONS_DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
}

const tenants = new Map<string, Tenant>()
function tenantFor(file: string): Tenant {
  const name = file.split('.')[0] ?? file
  let tenant = tenants.get(name)
  if (!tenant) {
    tenant = loadTenant(join(TENANTS_DIR, `${name}.yaml`))
    tenants.set(name, tenant)
  }
  return tenant
}

function jsonLines(path: string): Array<{ line: number; data: unknown } | { line: number; error: string }> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((text, i) => ({ text, line: i + 1 }))
    .filter((l) => l.text.trim() !== '')
    .map(({ text, line }) => {
      try {
        return { line, data: JSON.parse(text) as unknown }
      } catch (err) {
        return { line, error: `invalid JSON: ${(err as Error).message}` }
      }
    })
}

/**
 * A conversation file's labelled examples. Broken lines are pushed to `problems` (they stop the
 * run); a label the speaker's mask can never predict (the README allows e.g. material_provided from
 * staff, the model reads all staff speech as internal_note) is pushed to `skipped` and left out,
 * because the model could not learn it and would only be scored wrong on it.
 */
function readConversation(file: string, problems: string[], skipped: string[]): TrainingExample[] {
  const path = join(CONVERSATIONS_DIR, file)
  const tenant = tenantFor(file)
  const out: TrainingExample[] = []
  for (const entry of jsonLines(path)) {
    const where = `${path}:${entry.line}`
    if ('error' in entry) {
      problems.push(`${where}: ${entry.error}`)
      continue
    }
    const parsed = corpusLineSchema.safeParse(entry.data)
    if (!parsed.success) {
      problems.push(...formatZodIssues(where, parsed.error.issues))
      continue
    }
    const { group, as, text } = parsed.data
    const speaker = speakerOf(tenant, group, as)
    const label = isSpeaker(speaker) ? scopedLabel(speaker, parsed.data.label, parsed.data.customer) : parsed.data.label
    if (!isSpeaker(speaker)) problems.push(`${where}: ${speaker} in ${tenant.file}`)
    else if (!LABELS_BY_SPEAKER[speaker].includes(label)) skipped.push(`${where}: label ${label} is outside the ${speaker} labels`)
    else out.push({ text, speaker, label })
  }
  return out
}

function readOperatorExamples(): TrainingExample[] {
  if (!existsSync(OPERATOR_EXAMPLES)) return []
  const parsed = operatorExamplesSchema.safeParse(readYaml(OPERATOR_EXAMPLES) ?? [])
  if (!parsed.success) throw new ConfigError(formatZodIssues(OPERATOR_EXAMPLES, parsed.error.issues))
  const wrong = parsed.data.flatMap((e, i) => (LABELS_BY_SPEAKER[e.speaker].includes(e.label) ? [] : [`${OPERATOR_EXAMPLES}: [${i}] — label ${e.label} is not possible for a ${e.speaker}`]))
  if (wrong.length > 0) throw new ConfigError(wrong)
  return parsed.data
}

/** Standalone examples; `<tenant>.jsonl` of a tenant left out is left out with its conversations. */
function readStandaloneExamples(problems: string[], leftOut: ReadonlySet<string>): TrainingExample[] {
  if (!existsSync(EXAMPLES_DIR)) return []
  const out: TrainingExample[] = []
  const schema = operatorExamplesSchema.element
  for (const file of readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.jsonl') && !leftOut.has(f.split('.')[0]!))
    .sort()) {
    const path = join(EXAMPLES_DIR, file)
    for (const entry of jsonLines(path)) {
      if ('error' in entry) {
        problems.push(`${path}:${entry.line}: ${entry.error}`)
        continue
      }
      const parsed = schema.safeParse(entry.data)
      if (!parsed.success) problems.push(...formatZodIssues(`${path}:${entry.line}`, parsed.error.issues))
      else if (!LABELS_BY_SPEAKER[parsed.data.speaker].includes(parsed.data.label)) problems.push(`${path}:${entry.line}: label ${parsed.data.label} is not possible for a ${parsed.data.speaker}`)
      else out.push(parsed.data)
    }
  }
  return out
}

function readDevSet(): Scored[] | null {
  if (!existsSync(DEV_SET)) return null
  const tenant = loadTenant(DEV_TENANT)
  const out: Scored[] = []
  for (const entry of jsonLines(DEV_SET)) {
    const parsed = 'data' in entry ? devLineSchema.safeParse(entry.data) : null
    const speaker = parsed?.success ? speakerOf(tenant, parsed.data.group, parsed.data.as) : null
    if (!parsed?.success || speaker === null || !isSpeaker(speaker)) {
      console.warn(`${DEV_SET}:${entry.line}: skipped (${speaker ?? 'invalid line'})`)
      continue
    }
    out.push({ text: parsed.data.text, speaker, gold: parsed.data.intent })
  }
  return out
}

// ---------------------------------------------------------------- reporting

interface Score {
  correct: number
  total: number
  /** gold → predicted → count */
  confusion: Map<string, Map<string, number>>
}

function score(model: IntentModel, items: readonly Scored[], predict: (label: string) => string): Score {
  const confusion = new Map<string, Map<string, number>>()
  let correct = 0
  for (const item of items) {
    const predicted = predict(classifyIntent(model, item.text, item.speaker).label)
    if (predicted === item.gold) correct++
    const row = confusion.get(item.gold) ?? new Map<string, number>()
    row.set(predicted, (row.get(predicted) ?? 0) + 1)
    confusion.set(item.gold, row)
  }
  return { correct, total: items.length, confusion }
}

function percent(s: Score): string {
  return s.total === 0 ? 'n/a (no examples)' : `${((100 * s.correct) / s.total).toFixed(1)}% (${s.correct}/${s.total})`
}

/** Rows: the gold class; columns: what was predicted, numbered to keep the table narrow. */
function printConfusion(s: Score, classes: readonly string[]): void {
  const used = classes.filter((c) => s.confusion.has(c) || [...s.confusion.values()].some((row) => row.has(c)))
  if (used.length === 0) return
  const width = Math.max(...used.map((c) => c.length))
  console.log(`    ${''.padEnd(width)}  ${used.map((_, i) => String(i + 1).padStart(4)).join('')}   (columns: predicted)`)
  used.forEach((gold, i) => {
    const row = s.confusion.get(gold)
    const cells = used.map((p) => String(row?.get(p) ?? '.').padStart(4)).join('')
    console.log(`${String(i + 1).padStart(3)} ${gold.padEnd(width)}  ${cells}`)
  })
}

function printReport(title: string, s: Score, classes: readonly string[]): void {
  console.log(`\n${title}: ${percent(s)}`)
  printConfusion(s, classes)
}

function printCounts(perLabel: Record<string, number>): void {
  console.log('examples per label:')
  for (const label of INTENT_LABELS) console.log(`  ${label.padEnd(24)} ${perLabel[label] ?? 0}`)
}

// ---------------------------------------------------------------- main

/**
 * `--leave-out TENANT` also holds out every conversation of that tenant (and its standalone
 * examples, `examples/TENANT.jsonl`): a model that has never
 * seen the tenant, to measure (with `npm run eval`) how Baton does on a tenant it meets for the
 * first time, without touching the held-out split. With `--out PATH` the shipped model is left
 * alone; without it, run `npm run train` again afterwards.
 */
function leftOutTenants(argv: readonly string[]): Set<string> {
  const out = new Set<string>()
  for (let i = 0; i < argv.length; i++) if (argv[i] === '--leave-out' && argv[i + 1]) out.add(argv[++i]!)
  return out
}

/** `--out PATH` writes the model there instead of over the shipped one (leave-one-out runs). */
function outputFile(argv: readonly string[]): string {
  const at = argv.indexOf('--out')
  return at >= 0 && argv[at + 1] ? argv[at + 1]! : MODEL_FILE
}

function main(): void {
  const leftOut = leftOutTenants(process.argv.slice(2))
  const modelFile = outputFile(process.argv.slice(2))
  const heldOut = new Set([...heldOutFiles(), ...conversationFiles().filter((f) => leftOut.has(f.split('.')[0]!))])
  const files = conversationFiles()
  const problems: string[] = []
  const skipped: string[] = []
  const training: TrainingExample[] = []
  const held: Scored[] = []
  for (const file of files) {
    const examples = readConversation(file, problems, skipped)
    if (heldOut.has(file)) held.push(...examples.map((e) => ({ text: e.text, speaker: e.speaker, gold: e.label })))
    else training.push(...examples)
  }
  if (problems.length > 0) throw new ConfigError(problems)
  if (skipped.length > 0) console.warn(`skipped ${skipped.length} line(s) the speaker mask cannot predict:\n${skipped.map((s) => `  ${s}`).join('\n')}`)
  const standalone = readStandaloneExamples(problems, leftOut)
  if (problems.length > 0) throw new ConfigError(problems)
  const operator = readOperatorExamples()
  training.push(...standalone, ...operator)
  console.log(
    `training on ${training.length} examples: ${files.length - [...heldOut].filter((f) => files.includes(f)).length} conversation file(s) + ${standalone.length} standalone + ${operator.length} operator example(s); ${held.length} held-out line(s)`,
  )

  const started = performance.now()
  const model = trainIntentModel(training)
  const seconds = (performance.now() - started) / 1000

  const json = `${JSON.stringify(model, null, 2)}\n`
  mkdirSync(dirname(modelFile), { recursive: true })
  writeFileSync(modelFile, json)
  console.log(`trained ${model.version} in ${seconds.toFixed(2)} s; wrote ${modelFile} (${(json.length / 1024).toFixed(0)} KiB)`)
  printCounts(model.trainedOn.perLabel)

  const asLabel = (label: string): string => label
  const trainingItems = training.map((e) => ({ text: e.text, speaker: e.speaker, gold: e.label }))
  console.log(`\ntraining accuracy (labels): ${percent(score(model, trainingItems, asLabel))}`)
  printReport('held-out accuracy (labels)', score(model, held, asLabel), INTENT_LABELS)
  // The same lines at Baton's coarser level, comparable with the dev set below.
  const heldIntents = held.map((h) => ({ ...h, gold: intentOfLabel(h.gold) }))
  console.log(`held-out accuracy (intents): ${percent(score(model, heldIntents, intentOfLabel))}`)
  const dev = readDevSet()
  if (dev) printReport(`dev set accuracy (intents, ${resolve(DEV_SET)})`, score(model, dev, intentOfLabel), INTENTS)
  else console.log(`\ndev set: ${DEV_SET} not found, skipped`)
}

try {
  main()
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`npm run train: the corpus has problems, no model written:\n${err.problems.map((p) => `  ${p}`).join('\n')}`)
    process.exit(1)
  }
  throw err
}
