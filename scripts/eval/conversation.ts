import { readFileSync } from 'node:fs'
import { z } from 'zod'

/** The reaction a careful human handler wants (see data/understanding/README.md, "A line"). */
export const EXPECTS = ['review', 'not_direct_unless_auto', 'record', 'not_direct'] as const
export type Expect = (typeof EXPECTS)[number]

const lineSchema = z
  .object({
    group: z.string().min(1),
    as: z.string().min(1),
    text: z.string(),
    type: z.enum(['image', 'file', 'video']).optional(),
    intent: z.string().min(1).optional(),
    label: z.string().min(1).optional(),
    expect: z.enum(EXPECTS),
    // absent = the file does not say (the dev set); null = concerns no known customer
    customer: z.string().min(1).nullable().optional(),
    mustNot: z.array(z.string().min(1)).default([]),
    note: z.string().optional(),
  })
  // unknown fields are kept out of the way rather than refused: labellers add fields over time
  .passthrough()

/** One labelled message, with its 1-based line number in the file. */
export interface Line {
  no: number
  group: string
  as: string
  text: string
  type?: 'image' | 'file' | 'video'
  intent?: string
  label?: string
  expect: Expect
  /** undefined: not labelled; null: concerns no known customer */
  customer?: string | null
  mustNot: string[]
  note?: string
}

/**
 * Reads a labelled conversation (JSONL, one message a line). Blank lines are skipped but still
 * counted, so line numbers in the report match an editor's. A malformed line is a harness
 * failure: silently skipping it would make the figures lie.
 */
export function readConversation(path: string): Line[] {
  const out: Line[] = []
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (raw.trim() === '') return
      let data: unknown
      try {
        data = JSON.parse(raw)
      } catch (err) {
        throw new Error(`${path}:${i + 1}: not JSON: ${(err as Error).message}`)
      }
      const parsed = lineSchema.safeParse(data)
      if (!parsed.success) throw new Error(`${path}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.') || '(line)'} ${x.message}`).join('; ')}`)
      const l = parsed.data
      const line: Line = { no: i + 1, group: l.group, as: l.as, text: l.text, expect: l.expect, mustNot: l.mustNot }
      if (l.type !== undefined) line.type = l.type
      if (l.intent !== undefined) line.intent = l.intent
      if (l.label !== undefined) line.label = l.label
      if (l.customer !== undefined) line.customer = l.customer
      if (l.note !== undefined) line.note = l.note
      out.push(line)
    })
  return out
}
