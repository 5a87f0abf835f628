import type { Plan } from './plans.js'

export interface Line {
  what: string
  target: string
  measured: string
  met: boolean
}

interface Result {
  mode: string
  startedAt: string
  durationSeconds: number
  machine: { cpus: number; cpuModel: string; loadavgAtEnd: number[]; node: string; commit: string }
  lines: Line[]
  plans: Plan[]
  problems: Record<string, string[]>
}

/** The short table (target, measured, met) followed by the hot queries' plans on the grown database. */
export function renderMarkdown(r: Result): string {
  const rows = r.lines.map((l) => `| ${l.what} | ${l.target} | ${l.measured} | ${l.met ? 'yes' : '**no**'} |`)
  const problems = Object.entries(r.problems).flatMap(([k, v]) => v.map((x) => `- ${k}: ${x}`))
  return [
    `# Baton benchmark (${r.mode} run)`,
    '',
    `${r.startedAt}, ${r.durationSeconds} s, commit ${r.machine.commit}, ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average at the end ${r.machine.loadavgAtEnd.join(' / ')} (shared machine).`,
    '',
    '| what | target | measured | met |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    problems.length > 0
      ? `Correctness problems:\n\n${problems.join('\n')}\n`
      : 'Correctness checks: all passed (counts per group and type in the database, decisions, sends per approved draft, reminders per case, timers in Redis).\n',
    '## Hot query plans on the grown database',
    '',
    ...r.plans.flatMap((p) => [`### ${p.name} (${p.executionMs} ms)`, '', '```sql', p.sql, '```', '', '```', p.plan, '```', '']),
  ].join('\n')
}
