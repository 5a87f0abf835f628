import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FaultRow } from './audit.js'

const HEADERS = [
  'fault',
  'messages sent',
  'stored',
  'duplicates',
  'lost',
  'sends expected/delivered',
  'in doubt (reported or resent)',
  'dup sends',
  'approved drafts sent',
  'reminders fired (dup)',
  'evidence',
  'result',
] as const

/** A row passes when nothing was lost, doubled or left behind, and Baton came back by itself. */
export function problemsOf(r: FaultRow): string[] {
  const p: string[] = []
  if (r.lost > 0) p.push(`${r.lost} message(s) never stored`)
  if (r.duplicates > 0) p.push(`${r.duplicates} message(s) stored twice`)
  const inDoubt = Math.min(r.sendsInDoubtReported, r.inDoubtAllowed)
  if (r.sendsDelivered + inDoubt !== r.sendsExpected)
    p.push(`${r.sendsExpected - r.sendsDelivered - inDoubt} send(s) not delivered (${r.sendsFailed} failed, ${r.sendsInDoubtReported} in doubt and reported or resent)`)
  if (r.sendsDuplicated > 0) p.push(`${r.sendsDuplicated} delivery(ies) doubled`)
  const approvedInDoubt = Math.min(r.approvedInDoubt, r.inDoubtAllowed)
  if (r.approvedDelivered + approvedInDoubt !== r.approvedDrafts) p.push(`${r.approvedDrafts - r.approvedDelivered - approvedInDoubt} approved draft(s) not delivered`)
  if (r.remindersDuplicated > 0) p.push(`${r.remindersDuplicated} reminder(s) fired twice`)
  if (r.overdueTimers > 0) p.push(`${r.overdueTimers} due timer(s) never fired`)
  if (r.evidenceBroken > 0) p.push(`${r.evidenceBroken} evidence chain(s) broken`)
  if (!r.recovered) p.push('Baton did not recover by itself')
  return p
}

function cells(r: FaultRow): string[] {
  return [
    r.fault,
    String(r.messagesSent),
    String(r.stored),
    String(r.duplicates),
    String(r.lost),
    `${r.sendsExpected}/${r.sendsDelivered}`,
    String(r.sendsInDoubtReported),
    String(r.sendsDuplicated),
    `${r.approvedDelivered}/${r.approvedDrafts}`,
    `${r.remindersFired} (${r.remindersDuplicated})`,
    r.evidenceBroken === 0 ? `ok (${r.evidenceChecked})` : `${r.evidenceBroken} broken`,
    problemsOf(r).length === 0 ? 'pass' : 'FAIL',
  ]
}

export function textTable(rows: readonly FaultRow[]): string {
  const all = [[...HEADERS], ...rows.map(cells)]
  // CJK characters take two columns in a terminal
  const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0)
  const widths = HEADERS.map((_, i) => Math.max(...all.map((r) => width(r[i]!))))
  const line = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('-+-'), ...all.slice(1).map(line)].join('\n')
}

export function markdownTable(rows: readonly FaultRow[]): string {
  const out = [`| ${HEADERS.join(' | ')} |`, `| ${HEADERS.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)]
  const notes = rows.flatMap((r) => [...problemsOf(r), ...r.notes].map((n) => `- **${r.fault}**: ${n}`))
  return [...out, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n') + '\n'
}

export function writeReport(dir: string, rows: readonly FaultRow[], meta: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'report.json'), JSON.stringify({ ...meta, rows: rows.map((r) => ({ ...r, problems: problemsOf(r) })) }, null, 2) + '\n')
  writeFileSync(
    join(dir, 'report.md'),
    `# Fault-injection suite\n\n${Object.entries(meta)
      .map(([k, v]) => `- ${k}: ${String(v)}`)
      .join('\n')}\n\n${markdownTable(rows)}`,
  )
}
