import { EXPECTS } from './conversation.js'
import type { LineResult, SetResult } from './play.js'
import { OBSERVED, isMiss } from './score.js'

export const GROUP_KINDS = ['customer', 'public_customer', 'partner', 'internal'] as const

/** The figures of one table row. Percentages are null when nothing was scored. */
export interface Summary {
  lines: number
  modeOk: number
  intentN: number
  intentOk: number
  caseN: number
  caseOk: number
  unsafe: number
  leaks: number
  silent: number
  misses: number
}

export function summarize(rows: readonly LineResult[]): Summary {
  const s: Summary = { lines: 0, modeOk: 0, intentN: 0, intentOk: 0, caseN: 0, caseOk: 0, unsafe: 0, leaks: 0, silent: 0, misses: 0 }
  for (const r of rows) {
    const x = r.score
    s.lines++
    if (x.modeOk) s.modeOk++
    if (x.intentOk !== null) {
      s.intentN++
      if (x.intentOk) s.intentOk++
    }
    if (x.caseOk !== null) {
      s.caseN++
      if (x.caseOk) s.caseOk++
    }
    s.unsafe += x.unsafe
    s.leaks += x.leaks.length
    if (x.silentNeedingPerson) s.silent++
    if (isMiss(x)) s.misses++
  }
  return s
}

/** expect × observed counts */
export function confusion(rows: readonly LineResult[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const e of EXPECTS) out[e] = Object.fromEntries(OBSERVED.map((o) => [o, 0]))
  for (const r of rows) out[r.line.expect]![r.score.observed]!++
  return out
}

const pct = (ok: number, n: number): string => (n === 0 ? '-' : `${((100 * ok) / n).toFixed(1)}`)

/** Terminal columns a string takes: CJK and full-width forms take two. */
export function width(s: string): number {
  let w = 0
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    w +=
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      c >= 0x1f300
        ? 2
        : 1
  }
  return w
}

const pad = (s: string, n: number, right = false): string => {
  const fill = ' '.repeat(Math.max(0, n - width(s)))
  return right ? fill + s : s + fill
}

/** A plain text table; numeric-looking cells are right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))))
  const isNum = (s: string): boolean => /^-?[\d.]+%?$|^-$/.test(s)
  const fmt = (r: readonly string[]): string =>
    r
      .map((c, i) => pad(c, widths[i]!, i > 0 && isNum(c)))
      .join('  ')
      .trimEnd()
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n')
}

function summaryRow(label: string, s: Summary): string[] {
  return [label, String(s.lines), pct(s.modeOk, s.lines), pct(s.intentOk, s.intentN), `${pct(s.caseOk, s.caseN)} (${s.caseN})`, String(s.unsafe), String(s.leaks), String(s.silent), String(s.misses)]
}

const SUMMARY_HEAD = ['group kind', 'lines', 'mode %', 'intent %', 'case % (n)', 'unsafe', 'leaks', 'silent', 'misses']

/** Per group kind and in total. */
export function summaryTable(rows: readonly LineResult[]): string {
  const body: string[][] = []
  for (const k of GROUP_KINDS) {
    const of = rows.filter((r) => r.groupKind === k)
    if (of.length > 0) body.push(summaryRow(k, summarize(of)))
  }
  const other = rows.filter((r) => !(GROUP_KINDS as readonly string[]).includes(r.groupKind))
  if (other.length > 0) body.push(summaryRow('(unknown group)', summarize(other)))
  body.push(summaryRow('all', summarize(rows)))
  return table(SUMMARY_HEAD, body)
}

export function confusionTable(rows: readonly LineResult[]): string {
  const c = confusion(rows)
  // columns nobody landed in are left out unless they are one of the five core reactions
  const core = new Set(['silent', 'team_told', 'direct_auto', 'direct_other', 'draft_pending'])
  const cols = OBSERVED.filter((o) => core.has(o) || EXPECTS.some((e) => (c[e]![o] ?? 0) > 0))
  const body = EXPECTS.filter((e) => rows.some((r) => r.line.expect === e)).map((e) => [e, ...cols.map((o) => String(c[e]![o] ?? 0))])
  return table(['expect \\ observed', ...cols], body)
}

const cut = (s: string, n: number): string => {
  const flat = s.replace(/\s+/gu, ' ').trim()
  return [...flat].length > n ? `${[...flat].slice(0, n - 1).join('')}…` : flat
}

export function missesTable(rows: readonly LineResult[]): string {
  const misses = rows.filter((r) => isMiss(r.score))
  if (misses.length === 0) return '(no misses)'
  return table(
    ['line', 'group', 'as', 'text', 'expect', 'observed', 'intent got/want', 'why — label note'],
    misses.map((r) => [
      String(r.line.no),
      r.line.group,
      r.line.as,
      cut(r.line.type ? `[${r.line.type}] ${r.line.text}` : r.line.text, 60),
      r.line.expect,
      r.score.observed,
      `${r.score.intentGot ?? '-'}/${r.line.intent ?? '-'}`,
      `${r.score.why.join('; ')}${r.line.note ? ` — ${cut(r.line.note, 60)}` : ''}`,
    ]),
  )
}

/** Text report of one set (or of several sets' lines pooled under one title). */
export function setReport(title: string, rows: readonly LineResult[], opts: { misses: boolean; extra?: string[] }): string {
  const parts = [`== ${title}`, ...(opts.extra ?? []), '', summaryTable(rows), '', confusionTable(rows)]
  if (opts.misses) parts.push('', 'misses:', missesTable(rows))
  return parts.join('\n')
}

export function setHeader(r: SetResult): string[] {
  const out = [
    `tenant ${r.set.tenantPath} (${r.tenantName}); automatic: ${r.automatic.join(', ') || 'none'}; attention_items: ${r.attentionTable ? 'yes' : 'no table'}; ${r.lines.length} lines in ${(r.ms / 1000).toFixed(1)}s`,
  ]
  if (r.timerSends > 0) out.push(`WARNING: ${r.timerSends} reminder/escalation send(s) appeared during the run; the lines around them may be misattributed`)
  const unplayed = r.lines.filter((l) => l.error).length
  if (unplayed > 0) out.push(`WARNING: ${unplayed} line(s) could not be played (see misses)`)
  return out
}

/** The JSON written by --json: every line with what it caused and how it scored. */
export function jsonReport(results: readonly SetResult[], notes: readonly string[]): unknown {
  return {
    at: new Date().toISOString(),
    notes,
    sets: results.map((r) => ({
      name: r.set.name,
      kind: r.set.kind,
      path: r.set.path,
      tenant: r.set.tenantPath,
      tenantName: r.tenantName,
      automaticCategories: r.automatic,
      attentionTable: r.attentionTable,
      ms: r.ms,
      timerSends: r.timerSends,
      summary: summarize(r.lines),
      byGroupKind: Object.fromEntries(GROUP_KINDS.map((k) => [k, summarize(r.lines.filter((l) => l.groupKind === k))])),
      confusion: confusion(r.lines),
      lines: r.lines,
    })),
  }
}
