import type { Intent } from '../types.js'
import { normalizeText } from './normalize-text.js'
import { segmentWords } from './segment-words.js'

/**
 * The trained intent model: a multinomial logistic regression (softmax) over hashed text
 * features. Pure code: training and classification depend only on their arguments, so the same
 * corpus always gives a byte-identical model and a reviewer can reproduce any prediction.
 */

export type Speaker = 'customer' | 'partner' | 'staff'
export const SPEAKERS = ['customer', 'partner', 'staff'] as const satisfies readonly Speaker[]

/** Every label the model can learn, in the fixed order of the weight matrix's columns. */
export const INTENT_LABELS = [
  'chit_chat',
  'promise_later',
  'material_provided',
  'material_claim',
  'completion_claim',
  'progress_question',
  'appointment',
  'complaint',
  'refund_or_compensation',
  'needs_person',
  'partner_request',
  'partner_status',
  'internal_note',
  'command',
  'partner_general',
  'internal_general',
] as const
export type IntentLabel = (typeof INTENT_LABELS)[number]

/**
 * What each speaker can mean. The softmax only runs over these, so a partner can never be read
 * as complaining on a customer's behalf and nothing staff say is ever treated as customer speech.
 */
export const LABELS_BY_SPEAKER: Readonly<Record<Speaker, readonly IntentLabel[]>> = {
  customer: ['chit_chat', 'promise_later', 'material_provided', 'material_claim', 'completion_claim', 'progress_question', 'appointment', 'complaint', 'refund_or_compensation', 'needs_person', 'command'],
  partner: ['partner_request', 'partner_status', 'partner_general', 'completion_claim', 'material_provided', 'chit_chat', 'command'],
  staff: ['internal_note', 'internal_general'],
}

const INTENT_OF_LABEL: Readonly<Record<IntentLabel, Intent>> = {
  chit_chat: 'chit_chat',
  promise_later: 'unknown',
  material_provided: 'material_provided',
  material_claim: 'completion_claim',
  completion_claim: 'completion_claim',
  progress_question: 'progress_question',
  appointment: 'appointment',
  complaint: 'complaint',
  refund_or_compensation: 'refund_or_compensation',
  needs_person: 'unknown',
  partner_request: 'partner_request',
  partner_status: 'unknown',
  internal_note: 'internal_note',
  command: 'unknown',
  partner_general: 'unknown',
  internal_general: 'internal_note',
}

export function isIntentLabel(label: string): label is IntentLabel {
  return (INTENT_LABELS as readonly string[]).includes(label)
}

/** Baton's coarser vocabulary for a label (data/understanding/README.md); unknown labels → 'unknown'. */
export function intentOfLabel(label: string): Intent {
  return isIntentLabel(label) ? INTENT_OF_LABEL[label] : 'unknown'
}

/**
 * A partner's status or a staff note the corpus ties to no customer (`customer: null`: the crew's
 * day, settlement, prices, a team-wide notice) is learnt as a remark about no case, so the
 * decision does not file it with the case the group happened to talk about last.
 */
export function scopedLabel(speaker: Speaker, label: IntentLabel, customer: string | null | undefined): IntentLabel {
  if (customer !== null) return label
  if (speaker === 'partner' && label === 'partner_status') return 'partner_general'
  if (speaker === 'staff' && label === 'internal_note') return 'internal_general'
  return label
}

/** How text becomes features; stored in the model so classification repeats training exactly. */
export interface FeatureSpec {
  /** Number of hash buckets, a power of two. */
  buckets: number
  ngramMin: number
  ngramMax: number
  /** Characters kept after normalisation; the rest of a longer text is ignored. */
  maxChars: number
}

export interface IntentModel {
  format: 1
  /** `v<examples>-<first 8 hex of hash>`: derived from content, never from a clock. */
  version: string
  /** sha256 (hex) of `intentModelHashInput(model)`. */
  hash: string
  trainedOn: { examples: number; perLabel: Record<string, number> }
  /** Column order of `weights`. */
  labels: string[]
  features: FeatureSpec
  /** Base64 of little-endian uint32: the buckets that have weights, ascending. */
  rows: string
  /** Base64 of little-endian float32: `rows.length × labels.length` weights, row-major. */
  weights: string
}

export interface TrainingExample {
  text: string
  speaker: Speaker
  label: string
}

export interface TrainOptions {
  buckets?: number
  ngramMax?: number
  epochs?: number
  learningRate?: number
  /** Divides the learning rate by (1 + decay × epoch). */
  decay?: number
  l2?: number
  seed?: number
  /** A bucket must occur in this many examples to get weights; rarer ones are mostly noise and size. */
  minCount?: number
}

export interface IntentScore {
  label: string
  p: number
}

export interface IntentPrediction {
  label: string
  confidence: number
  scores: IntentScore[]
  /**
   * The share of the message's features the model has weights for, 0..1. Low means wording the
   * training corpus never showed: a confident label on such text is a guess (see decide-message).
   */
  familiarity: number
}

const DEFAULTS = {
  buckets: 1 << 18,
  ngramMax: 3,
  epochs: 30,
  learningRate: 2,
  decay: 0.1,
  l2: 1e-4,
  seed: 20240601,
  minCount: 2,
} as const satisfies Required<TrainOptions>

const MAX_CHARS = 4000
// Raw text is cut before normalisation too, so a megabyte message costs no more than a long one;
// the margin leaves room for invisible characters that normalisation removes.
const MAX_RAW_CHARS = MAX_CHARS * 4

// ---------------------------------------------------------------- features

// FNV-1a, then murmur3's finaliser: FNV alone spreads its low bits poorly, and buckets are low bits.
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

function mix(h: number, value: number): number {
  return Math.imul(h ^ value, FNV_PRIME)
}

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i))
  return h
}

function finish(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

// One namespace per feature kind, so the n-gram "退" and the word "退" get different buckets.
const NS_NGRAM = mixString(FNV_OFFSET, 'g')
const NS_WORD = mixString(FNV_OFFSET, 'w')
const NS_BIGRAM = mixString(FNV_OFFSET, 'b')
const NS_META = mixString(FNV_OFFSET, 'm')
const BOUNDARY_START = 0x02
const BOUNDARY_END = 0x03

/**
 * The text the model sees: NFKC, lower case, invisible characters removed, every run of digits
 * one '0' (order numbers and phones say nothing about intent, and would otherwise be memorised).
 */
export function intentModelText(text: string, maxChars = MAX_CHARS): string {
  const normalized = normalizeText(text.slice(0, MAX_RAW_CHARS)).replace(/[0-9]+/g, '0')
  // UTF-16 length ≥ code points: only a text that may be too long pays for splitting it.
  if (normalized.length <= maxChars) return normalized
  const points = Array.from(normalized)
  return points.length > maxChars ? points.slice(0, maxChars).join('') : normalized
}

/** The text's code points between start and end markers, so n-grams can tell a message's edges. */
function codePoints(text: string): Uint32Array {
  const out = new Uint32Array(text.length + 2)
  let n = 0
  out[n++] = BOUNDARY_START
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) as number
    if (cp > 0xffff) i++
    out[n++] = cp
  }
  out[n++] = BOUNDARY_END
  return out.subarray(0, n)
}

function lengthBucket(chars: number): number {
  if (chars <= 2) return 0
  if (chars <= 5) return 1
  if (chars <= 10) return 2
  if (chars <= 20) return 3
  if (chars <= 40) return 4
  return 5
}

/**
 * Distinct hashed feature buckets of a message, ascending: a repeated n-gram counts once, and
 * weights are always summed in the same order, so training and classification agree exactly.
 */
export function featureBuckets(text: string, speaker: Speaker, spec: FeatureSpec): Uint32Array {
  const mask = spec.buckets - 1
  const out: number[] = []
  const norm = intentModelText(text, spec.maxChars)
  const points = codePoints(norm)
  // Every n-gram starting at i extends the (n-1)-gram's hash, so each position costs ngramMax mixes.
  for (let i = 0; i < points.length; i++) {
    let h = NS_NGRAM
    for (let n = 1; n <= spec.ngramMax && i + n <= points.length; n++) {
      h = mix(h, points[i + n - 1] as number)
      if (n >= spec.ngramMin) out.push(finish(h) & mask)
    }
  }
  const words = segmentWords(norm)
  let previous = '\u0002'
  for (const word of words) {
    out.push(finish(mixString(NS_WORD, word)) & mask)
    out.push(finish(mixString(mix(mixString(NS_BIGRAM, previous), 0), word)) & mask)
    previous = word
  }
  // Speaker and length act as priors: a one-word message from a customer is mostly an acknowledgement.
  out.push(finish(mixString(NS_META, `speaker:${speaker}`)) & mask)
  out.push(finish(mixString(NS_META, `len:${speaker}:${lengthBucket(points.length - 2)}`)) & mask)
  out.push(finish(mixString(NS_META, 'bias')) & mask)
  return dedupeSorted(out)
}

function dedupeSorted(values: number[]): Uint32Array {
  const sorted = Uint32Array.from(values).sort()
  let n = 0
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number
    if (n === 0 || sorted[n - 1] !== v) sorted[n++] = v
  }
  return sorted.slice(0, n)
}

// ---------------------------------------------------------------- training

/** mulberry32: a tiny seeded PRNG, so the example order is the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffleInPlace(order: Int32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = order[i] as number
    order[i] = order[j] as number
    order[j] = t
  }
}

interface Encoded {
  features: Uint32Array
  /** Each kept feature's value: 1/√count, so long and short messages weigh alike. */
  value: number
  label: number
  allowed: readonly number[]
}

const ALLOWED_COLUMNS: Readonly<Record<Speaker, readonly number[]>> = {
  customer: LABELS_BY_SPEAKER.customer.map((l) => INTENT_LABELS.indexOf(l)),
  partner: LABELS_BY_SPEAKER.partner.map((l) => INTENT_LABELS.indexOf(l)),
  staff: LABELS_BY_SPEAKER.staff.map((l) => INTENT_LABELS.indexOf(l)),
}

function checkExample(e: TrainingExample, i: number): IntentLabel {
  if (!isIntentLabel(e.label)) throw new Error(`example ${i}: unknown label ${JSON.stringify(e.label)}`)
  if (!LABELS_BY_SPEAKER[e.speaker].includes(e.label)) throw new Error(`example ${i}: label ${e.label} is not allowed for a ${e.speaker} (text ${JSON.stringify(e.text.slice(0, 40))})`)
  return e.label
}

/** Buckets seen in at least `minCount` examples; speaker, length and bias buckets always count. */
function frequentBuckets(all: readonly Uint32Array[], minCount: number): Set<number> {
  const counts = new Map<number, number>()
  for (const f of all) for (const b of f) counts.set(b, (counts.get(b) ?? 0) + 1)
  const kept = new Set<number>()
  for (const [b, c] of counts) if (c >= minCount) kept.add(b)
  return kept
}

function encodeExamples(examples: readonly TrainingExample[], spec: FeatureSpec, minCount: number): Encoded[] {
  const labels = examples.map(checkExample)
  const raw = examples.map((e) => featureBuckets(e.text, e.speaker, spec))
  const kept = frequentBuckets(raw, minCount)
  return raw.map((f, i) => {
    const features = f.filter((b) => kept.has(b))
    const example = examples[i] as TrainingExample
    return {
      features,
      value: features.length > 0 ? 1 / Math.sqrt(features.length) : 0,
      label: INTENT_LABELS.indexOf(labels[i] as IntentLabel),
      allowed: ALLOWED_COLUMNS[example.speaker],
    }
  })
}

/**
 * One SGD step on one example. L2 is applied only to the weights the example touches (lazy
 * regularisation): exact decay of all 2^18 × 14 weights per step would cost far more than the data.
 */
function sgdStep(w: Float64Array, e: Encoded, columns: number, lr: number, l2: number, logits: Float64Array): void {
  let max = -Infinity
  for (const k of e.allowed) {
    let z = 0
    for (const b of e.features) z += (w[b * columns + k] as number) * e.value
    logits[k] = z
    if (z > max) max = z
  }
  let sum = 0
  for (const k of e.allowed) {
    const p = Math.exp((logits[k] as number) - max)
    logits[k] = p
    sum += p
  }
  for (const k of e.allowed) {
    const gradient = (logits[k] as number) / sum - (k === e.label ? 1 : 0)
    for (const b of e.features) {
      const i = b * columns + k
      const wi = w[i] as number
      w[i] = wi - lr * (gradient * e.value + l2 * wi)
    }
  }
}

/** Trains a model. Deterministic: the same examples and options give a byte-identical model. */
export function trainIntentModel(examples: readonly TrainingExample[], opts: TrainOptions = {}): IntentModel {
  const o = { ...DEFAULTS, ...opts }
  if (!Number.isInteger(Math.log2(o.buckets))) throw new Error(`buckets must be a power of two, got ${o.buckets}`)
  const spec: FeatureSpec = { buckets: o.buckets, ngramMin: 1, ngramMax: o.ngramMax, maxChars: MAX_CHARS }
  const encoded = encodeExamples(examples, spec, o.minCount)
  const columns = INTENT_LABELS.length
  const w = new Float64Array(spec.buckets * columns)
  const logits = new Float64Array(columns)
  const order = Int32Array.from(encoded, (_, i) => i)
  const random = prng(o.seed)
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(order, random)
    const lr = o.learningRate / (1 + o.decay * epoch)
    for (const i of order) sgdStep(w, encoded[i] as Encoded, columns, lr, o.l2, logits)
  }
  return packModel(w, spec, examples)
}

function countLabels(examples: readonly TrainingExample[]): Record<string, number> {
  const perLabel: Record<string, number> = {}
  for (const l of INTENT_LABELS) perLabel[l] = 0
  for (const e of examples) perLabel[e.label] = (perLabel[e.label] ?? 0) + 1
  return perLabel
}

/** Keeps only buckets with a non-zero weight, as float32; the dense matrix would be 14 MB. */
function packModel(w: Float64Array, spec: FeatureSpec, examples: readonly TrainingExample[]): IntentModel {
  const columns = INTENT_LABELS.length
  const rows: number[] = []
  const weights: number[] = []
  for (let b = 0; b < spec.buckets; b++) {
    const row = w.subarray(b * columns, (b + 1) * columns)
    if (!row.some((x) => Math.fround(x) !== 0)) continue
    rows.push(b)
    for (const x of row) weights.push(x)
  }
  const unsigned = new Uint8Array(rows.length * 4)
  const rowView = new DataView(unsigned.buffer)
  rows.forEach((b, i) => rowView.setUint32(i * 4, b, true))
  const floats = new Uint8Array(weights.length * 4)
  const floatView = new DataView(floats.buffer)
  weights.forEach((x, i) => floatView.setFloat32(i * 4, x, true))
  const unsigned64 = encodeBase64(unsigned)
  const floats64 = encodeBase64(floats)
  const draft: IntentModel = {
    format: 1,
    version: '',
    hash: '',
    trainedOn: { examples: examples.length, perLabel: countLabels(examples) },
    labels: [...INTENT_LABELS],
    features: spec,
    rows: unsigned64,
    weights: floats64,
  }
  const hash = sha256Hex(intentModelHashInput(draft))
  return { ...draft, version: `v${examples.length}-${hash.slice(0, 8)}`, hash }
}

/**
 * The canonical text the hash covers: everything that decides a prediction plus the training
 * counts, in a fixed key order. `version` and `hash` are excluded because they derive from it.
 */
export function intentModelHashInput(model: IntentModel): string {
  const perLabel = Object.keys(model.trainedOn.perLabel)
    .sort()
    .map((k) => [k, model.trainedOn.perLabel[k]])
  const f = model.features
  return JSON.stringify(['baton-intent-model', model.format, model.trainedOn.examples, perLabel, model.labels, [f.buckets, f.ngramMin, f.ngramMax, f.maxChars], model.rows, model.weights])
}

// ---------------------------------------------------------------- classification

interface Compiled {
  /** bucket → first weight index + 1 (0: no weights), so a lookup is one typed-array read. */
  rowOf: Int32Array
  weights: Float32Array
  columns: number
  allowed: Record<Speaker, number[]>
}

const compiledModels = new WeakMap<IntentModel, Compiled>()

/** Decodes a model's weights; throws when the encoded arrays do not fit together. */
export function compileIntentModel(model: IntentModel): Compiled {
  const cached = compiledModels.get(model)
  if (cached) return cached
  const columns = model.labels.length
  const rowBytes = decodeBase64(model.rows)
  const weightBytes = decodeBase64(model.weights)
  const rows = rowBytes.length / 4
  if (!Number.isInteger(rows) || weightBytes.length !== rows * columns * 4) throw new Error(`intent model: ${rows} rows do not match ${weightBytes.length} weight bytes for ${columns} labels`)
  const rowView = new DataView(rowBytes.buffer, rowBytes.byteOffset, rowBytes.byteLength)
  const rowOf = new Int32Array(model.features.buckets)
  for (let i = 0; i < rows; i++) {
    const b = rowView.getUint32(i * 4, true)
    if (b >= rowOf.length) throw new Error(`intent model: bucket ${b} outside ${rowOf.length} buckets`)
    rowOf[b] = i * columns + 1
  }
  const floatView = new DataView(weightBytes.buffer, weightBytes.byteOffset, weightBytes.byteLength)
  const weights = new Float32Array(rows * columns)
  for (let i = 0; i < weights.length; i++) weights[i] = floatView.getFloat32(i * 4, true)
  const allowed = {} as Record<Speaker, number[]>
  for (const s of SPEAKERS) allowed[s] = LABELS_BY_SPEAKER[s].map((l) => model.labels.indexOf(l)).filter((k) => k >= 0)
  const compiled: Compiled = { rowOf, weights, columns, allowed }
  compiledModels.set(model, compiled)
  return compiled
}

/** The most likely label among those the speaker may mean, with every allowed label's probability. */
export function classifyIntent(model: IntentModel, text: string, speaker: Speaker): IntentPrediction {
  const c = compileIntentModel(model)
  const allowed = c.allowed[speaker]
  const sums = new Float64Array(c.columns)
  let present = 0
  const features = featureBuckets(text, speaker, model.features)
  // Rows are stored label-contiguous, so walking features outside and labels inside stays in cache.
  for (const b of features) {
    const row = c.rowOf[b] as number
    if (row === 0) continue
    present++
    for (const k of allowed) sums[k] = (sums[k] as number) + (c.weights[row - 1 + k] as number)
  }
  // Same scaling as training: buckets without weights were dropped there too, so they do not count.
  const value = present > 0 ? 1 / Math.sqrt(present) : 0
  const logits = allowed.map((k) => (sums[k] as number) * value)
  const max = Math.max(...logits)
  const exps = logits.map((z) => Math.exp(z - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  const scores = allowed.map((k, i) => ({ label: model.labels[k] as string, p: (exps[i] as number) / sum })).sort((a, b) => b.p - a.p || (a.label < b.label ? -1 : 1))
  const top = scores[0] ?? { label: 'needs_person', p: 0 }
  return { label: top.label, confidence: top.p, scores, familiarity: features.length > 0 ? present / features.length : 0 }
}

// ---------------------------------------------------------------- encoding

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Standard base64 with padding; written out because the domain stays free of Buffer. */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = []
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number
    const b = bytes[i + 1]
    const c = bytes[i + 2]
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0)
    parts.push(BASE64[(n >>> 18) & 63] as string, BASE64[(n >>> 12) & 63] as string, b === undefined ? '=' : (BASE64[(n >>> 6) & 63] as string), c === undefined ? '=' : (BASE64[n & 63] as string))
  }
  return parts.join('')
}

const BASE64_VALUE = new Int16Array(128).fill(-1)
for (let i = 0; i < BASE64.length; i++) BASE64_VALUE[BASE64.charCodeAt(i)] = i

export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error('base64: length is not a multiple of 4')
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - padding)
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    let n = 0
    for (let j = 0; j < 4; j++) {
      const ch = text.charCodeAt(i + j)
      const isPad = ch === 61 && i + j >= text.length - padding
      const v = isPad ? 0 : ch < 128 ? (BASE64_VALUE[ch] as number) : -1
      if (v < 0) throw new Error(`base64: invalid character at ${i + j}`)
      n = (n << 6) | v
    }
    if (o < out.length) out[o++] = (n >>> 16) & 255
    if (o < out.length) out[o++] = (n >>> 8) & 255
    if (o < out.length) out[o++] = n & 255
  }
  return out
}

// ---------------------------------------------------------------- sha256

// FIPS 180-4. The domain has no node:crypto; the model loader re-checks with node:crypto.
const K = Uint32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1,
  0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138,
  0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c,
  0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n))
}

/** sha256 of the UTF-8 bytes of `text`, as lower-case hex. */
export function sha256Hex(text: string): string {
  const data = new TextEncoder().encode(text)
  const blocks = Math.ceil((data.length + 9) / 64)
  const padded = new Uint8Array(blocks * 64)
  padded.set(data)
  padded[data.length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(data.length / 0x20000000), false)
  view.setUint32(padded.length - 4, (data.length * 8) >>> 0, false)
  const h = Uint32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
  const w = new Uint32Array(64)
  for (let block = 0; block < blocks; block++) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block * 64 + t * 4, false)
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15] as number
      const y = w[t - 2] as number
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10)
      w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) >>> 0
    }
    compress(h, w)
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('')
}

function compress(h: Uint32Array, w: Uint32Array): void {
  let [a, b, c, d, e, f, g, hh] = h as unknown as [number, number, number, number, number, number, number, number]
  for (let t = 0; t < 64; t++) {
    const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
    const ch = (e & f) ^ (~e & g)
    const t1 = (hh + s1 + ch + (K[t] as number) + (w[t] as number)) >>> 0
    const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
    const maj = (a & b) ^ (a & c) ^ (b & c)
    const t2 = (s0 + maj) >>> 0
    hh = g
    g = f
    f = e
    e = (d + t1) >>> 0
    d = c
    c = b
    b = a
    a = (t1 + t2) >>> 0
  }
  h[0] = ((h[0] as number) + a) >>> 0
  h[1] = ((h[1] as number) + b) >>> 0
  h[2] = ((h[2] as number) + c) >>> 0
  h[3] = ((h[3] as number) + d) >>> 0
  h[4] = ((h[4] as number) + e) >>> 0
  h[5] = ((h[5] as number) + f) >>> 0
  h[6] = ((h[6] as number) + g) >>> 0
  h[7] = ((h[7] as number) + hh) >>> 0
}
