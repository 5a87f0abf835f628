/** A progress question a customer asked about a case. */
export interface ProgressQuestion {
  caseId: number
  at: Date
}

export const ASK_AGAIN_WINDOW_MS = 24 * 3_600_000

/**
 * First-clear-explanation: of the progress questions that open an episode (no question on the
 * same case in the 24 h before) asked in [from, to), the share after which the customer did not
 * ask again about that case within 24 h. Questions whose 24 h have not passed by `now` are not
 * judged yet. Pass every question from `from - 24h` on, so episodes are seen whole.
 */
export function firstClearExplanation(questions: readonly ProgressQuestion[], p: { from: Date; to: Date; now: Date; windowMs?: number }): { asked: number; clear: number } {
  const win = p.windowMs ?? ASK_AGAIN_WINDOW_MS
  const byCase = new Map<number, number[]>()
  for (const q of questions) {
    const list = byCase.get(q.caseId) ?? []
    list.push(q.at.getTime())
    byCase.set(q.caseId, list)
  }
  let asked = 0
  let clear = 0
  for (const times of byCase.values()) {
    times.sort((a, b) => a - b)
    times.forEach((t, i) => {
      if (t < p.from.getTime() || t >= p.to.getTime()) return
      if (t + win > p.now.getTime()) return
      const prev = i > 0 ? times[i - 1]! : null
      if (prev !== null && t - prev < win) return // a repeat, not a new episode
      asked += 1
      const next = i + 1 < times.length ? times[i + 1]! : null
      if (next === null || next - t >= win) clear += 1
    })
  }
  return { asked, clear }
}
