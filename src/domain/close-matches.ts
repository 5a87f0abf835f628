import { distance } from 'fastest-levenshtein'

/** Something a person may mean, under each of the names it is known by (name, aliases, keys…). */
export interface Candidate {
  label: string
  names: readonly string[]
}

/**
 * The candidates a mistyped reference most likely meant, best first: a name that contains the
 * reference or is contained in it, else one within a small edit distance (one edit for short
 * Chinese names, about a third of the length for longer references); only the closest are
 * listed (ties all). Pure.
 */
export function closeMatches(ref: string, candidates: readonly Candidate[], limit = 3): string[] {
  const q = ref.trim().toLowerCase()
  if (q.length === 0) return []
  const scored: Array<{ label: string; score: number }> = []
  for (const c of candidates) {
    let best = Infinity
    for (const raw of c.names) {
      const name = raw.toLowerCase()
      if (name.length === 0) continue
      const d = name.includes(q) || q.includes(name) ? 0.5 : distance(q, name)
      if (d < best) best = d
    }
    const allowed = Math.max(1, Math.floor(q.length / 3))
    if (best <= allowed) scored.push({ label: c.label, score: best })
  }
  scored.sort((a, b) => a.score - b.score || a.label.localeCompare(b.label, 'zh-CN'))
  // the closest win: a match one edit away hides one two edits away (order numbers differ by digits)
  const best = scored[0]?.score ?? 0
  return [...new Set(scored.filter((s) => s.score <= best).map((s) => s.label))].slice(0, limit)
}
