/** Durations as operators and handlers type them: '90s', '30m', '4h', '2d', '1d12h', '2小时', '30分钟', '1天'. */
const UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  秒: 1000,
  秒钟: 1000,
  m: 60_000,
  min: 60_000,
  分: 60_000,
  分钟: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  小时: 3_600_000,
  个小时: 3_600_000,
  时: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  天: 86_400_000,
  日: 86_400_000,
  w: 604_800_000,
  周: 604_800_000,
  星期: 604_800_000,
}
const PART = /(\d+(?:\.\d+)?)\s*(个小时|小时|分钟|秒钟|星期|days|day|min|sec|hr|[smhdw秒分时天日周])/gy

/** Milliseconds, or null when the text is not a positive duration. */
export function parseDuration(text: string): number | null {
  const s = text.normalize('NFKC').trim().toLowerCase()
  if (s.length === 0 || s.length > 32) return null
  PART.lastIndex = 0
  let total = 0
  let consumed = 0
  let m: RegExpExecArray | null
  while ((m = PART.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!
    consumed = PART.lastIndex
    while (s[consumed] === ' ') consumed++
    PART.lastIndex = consumed
  }
  if (consumed !== s.length || total <= 0 || !Number.isFinite(total)) return null
  return Math.round(total)
}

/** '2小时30分钟' / '2h 30m' for messages and logs. */
export function formatDuration(ms: number, locale: 'zh' | 'en' = 'zh'): string {
  const parts: string[] = []
  let rest = Math.max(0, Math.round(ms / 1000))
  const units: Array<[number, string, string]> = [
    [86_400, '天', 'd'],
    [3_600, '小时', 'h'],
    [60, '分钟', 'm'],
    [1, '秒', 's'],
  ]
  for (const [size, zh, en] of units) {
    const n = Math.floor(rest / size)
    if (n > 0) parts.push(`${n}${locale === 'zh' ? zh : en}`)
    rest -= n * size
  }
  if (parts.length === 0) return locale === 'zh' ? '0秒' : '0s'
  return parts.join(locale === 'zh' ? '' : ' ')
}
