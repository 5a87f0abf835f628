import { DateTime } from 'luxon'
import { cleanText } from './normalize-text.js'

export interface AppointmentWindow {
  /** ISO 8601 with the tenant's offset, e.g. 2026-11-21T09:00:00+08:00 */
  start: string
  end: string
  /** the words of the message that said it */
  text: string
  /** the message named a day (明天, 周六, 11月20日); without one the day was assumed */
  dayStated: boolean
  /** the message named a part of the day or a clock (上午, 3点); without one the whole day was assumed */
  timeStated: boolean
  /** a clock was said (3点, 9:30, after 4pm), not only a part of the day */
  clockStated: boolean
  /** the day named is not today (明天, 周六, 11月20日); "今天" or no day at all: false */
  laterDay: boolean
  /** the time is what something is changed to ("改到周三", "周二改周三", "moved to Thu") */
  changedTo: boolean
}

type Period = 'morning' | 'noon' | 'afternoon' | 'dusk' | 'evening'
/** [start hour, end hour] of each part of the day, and of a whole day that names no part. */
export interface DayParts {
  morning: [number, number]
  noon: [number, number]
  afternoon: [number, number]
  dusk: [number, number]
  evening: [number, number]
  day: [number, number]
}

// 上午=9–12, 下午=13–18, 晚上=18–21: what service teams mean, not what a dictionary says
export const DEFAULT_DAY_PARTS: DayParts = { morning: [9, 12], noon: [11, 13], afternoon: [13, 18], dusk: [17, 19], evening: [18, 21], day: [9, 21] }
/** A single time ("明天下午2点") is an arrival window of this many minutes. */
const SINGLE_TIME_MINUTES = 120
const AROUND_MINUTES = 30

// ---------------------------------------------------------------------------------------------
// Tokens

interface DayToken {
  kind: 'day'
  /** days from today, or a weekday to resolve, or a calendar date */
  offset?: number
  weekday?: { day: number; week: 'coming' | 'this' | 'next' }
  date?: { month?: number; day: number }
  impliedPeriod?: Period
}
interface PeriodToken {
  kind: 'period'
  period: Period
}
interface Clock {
  hour: number
  minute: number
  ampm?: 'am' | 'pm'
  /** said with 点/:/am/pm, not a bare number that only a day or a period makes a time */
  explicit: boolean
}
interface TimeToken {
  kind: 'time'
  from: Clock
  to?: Clock
  toPeriod?: Period
  mod?: 'after' | 'before' | 'around'
}
type Token = (DayToken | PeriodToken | TimeToken) & { start: number; end: number }

const RELATIVE_DAYS: Record<string, { offset: number; impliedPeriod?: Period }> = {
  今天: { offset: 0 },
  今日: { offset: 0 },
  今早: { offset: 0, impliedPeriod: 'morning' },
  今晚: { offset: 0, impliedPeriod: 'evening' },
  今夜: { offset: 0, impliedPeriod: 'evening' },
  明天: { offset: 1 },
  明日: { offset: 1 },
  明早: { offset: 1, impliedPeriod: 'morning' },
  明晚: { offset: 1, impliedPeriod: 'evening' },
  后天: { offset: 2 },
  大后天: { offset: 3 },
  // Northern Mandarin (明儿上午见, 今儿下午) and Cantonese (听日, 听朝: tomorrow, tomorrow morning)
  今儿: { offset: 0 },
  今儿个: { offset: 0 },
  明儿: { offset: 1 },
  明儿个: { offset: 1 },
  后儿: { offset: 2 },
  后儿个: { offset: 2 },
  听日: { offset: 1 },
  聽日: { offset: 1 },
  听朝: { offset: 1, impliedPeriod: 'morning' },
  聽朝: { offset: 1, impliedPeriod: 'morning' },
  後日: { offset: 2 },
  today: { offset: 0 },
  tonight: { offset: 0, impliedPeriod: 'evening' },
  tomorrow: { offset: 1 },
  tmr: { offset: 1 },
  tmrw: { offset: 1 },
  'day after tomorrow': { offset: 2 },
  'the day after tomorrow': { offset: 2 },
}
const PERIODS: Record<string, Period> = {
  上午: 'morning',
  早上: 'morning',
  早晨: 'morning',
  上半天: 'morning',
  morning: 'morning',
  中午: 'noon',
  noon: 'noon',
  下午: 'afternoon',
  下半天: 'afternoon',
  afternoon: 'afternoon',
  // Cantonese: 朝早 / 上昼 (morning), 晏昼 (noon), 下昼 (afternoon), 夜晚 / 晚黑 (evening)
  朝早: 'morning',
  上昼: 'morning',
  晏昼: 'noon',
  下昼: 'afternoon',
  傍晚: 'dusk',
  晚上: 'evening',
  夜晚: 'evening',
  晚黑: 'evening',
  晚间: 'evening',
  夜里: 'evening',
  evening: 'evening',
}
const ZH_WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7 }
const EN_WEEKDAY: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 }

const RELATIVE_RE =
  /大后天|后天|明天|明日|明早|明晚|今天|今日|今早|今晚|今夜|今儿个?|明儿个?|后儿个?|(?<![打探])[听聽](?:日|朝)|後日|(?<![a-z])(?:(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|tmrw?)(?![a-z])/giu
const ZH_WEEKDAY_RE = /(下下|下[个個]?|這個?|这个?|本)?(?:周|週|星期|礼拜|禮拜)([一二三四五六日天1-7])/gu
const EN_WEEKDAY_RE = /(?<![a-z])(next\s+|this\s+)?(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|rs|rsday|urday|r)?(?![a-z])\.?/giu
// days and months in digits or Chinese numerals ("12月28号", "十二月二十八号", "廿三号")
const ZH_MONTH = '(?:十[一二]?|[一二三四五六七八九])'
const ZH_DAY = '(?:[一二三]?十[一二三四五六七八九]?|廿[一二三四五六七八九]?|[一二三四五六七八九])'
const DATE_RE = new RegExp(`(?<![\\d一二三四五六七八九十])(\\d{1,2}|${ZH_MONTH})月(\\d{1,2}|${ZH_DAY})[日号](?![\\d一二三四五六七八九十])`, 'gu')
// A day of the month alone ("18号俺请假", "十四号也行吧", "23号都OK"), but not a house, room, line
// or size number: not after an address word or an ordinal, not before the thing numbered
// (幸福路20号, 3号楼, 8号房, 大一号盒, 3号线, 42号鞋), and not a span of days ("7日内到货").
// In Chinese numerals only with 号: "迟一日", "搞了三日" count days.
const DAY_OF_MONTH_RE = new RegExp(`(?<![\\d月路街道巷弄栋楼幢区座室层第大小加A-Za-z#＃\\-一二三四五六七八九十廿零两])(?:(\\d{1,2})[日号]|(${ZH_DAY})号)(?![\\d一二三四五六七八九十])`, 'gu')
/** The most days each month can have (29 for February: a leap year's). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const
const NUMBERED_THING =
  /^\s*(?:楼|房|线|床|门|院|桌|台|口|柜|位|车|机|码|鞋|盒|箱|包|厅|馆|店|仓|库|窗|球|种|型|字|桶|瓶|罐|件|屋|间|铺|档|站|场|厂|地|街|路|巷|弄|栋|幢|单元|座|井|桩|杆|柱|梯|厢|组|队|班|病|科|游|电池|选手|玩家|嘉宾|技师|师傅|员工|出口|入口|航站楼|内|以内|之内)/u
const PERIOD_RE = /上午|早上|早晨|上半天|朝早|上昼|中午|晏昼|下午|下半天|下昼|傍晚|晚上|晚间|夜里|夜晚|晚黑|(?<![a-z])(?:morning|afternoon|evening|noon)(?![a-z])/giu

// a well-formed numeral 0–59 (三, 十一, 二十四, 四十五): "礼拜四两点" is Thursday and two o'clock, not "四两"
const ZH_NUM = '(?:[一二三四五]?十[一二三四五六七八九]?|[零一二两三四五六七八九])'
// groups: 1 colon hour, 2 colon minute, 3 点-hour, 4 点-minute, 5 bare hour, 6 am/pm
const CLOCK_RE = new RegExp(
  `(?<![\\dA-Za-z.:/])(?:(\\d{1,2})[:：](\\d{2})|(\\d{1,2}|${ZH_NUM})\\s*[点點时](?:\\s*(半|一刻|三刻|\\d{1,2}(?!\\d)|${ZH_NUM})\\s*分?)?|(\\d{1,2}))(?!\\d)(?:\\s*(am|pm|a\\.m\\.|p\\.m\\.)(?![a-z]))?`,
  'giu',
)
const RANGE_JOIN = /^\s*(?:到|至|-|~|～|—|–|to|until|till)\s*(上午|早上|中午|下午|傍晚|晚上)?\s*$/iu
const SUFFIX_MOD = /^\s*钟?\s*(以后|之后|以前|之前|左右|前后|后|前)/u
const PREFIX_MOD = /(after|before|around|about|by|from)\s+$/iu

function zhNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s)
  const digit = (c: string | undefined): number => (c === undefined ? 0 : '零一二三四五六七八九'.indexOf(c) >= 0 ? '零一二三四五六七八九'.indexOf(c) : c === '两' ? 2 : 0)
  if (s.startsWith('廿')) return 20 + digit(s[1])
  const ten = s.indexOf('十')
  if (ten < 0) return digit(s[0])
  return (ten === 0 ? 1 : digit(s[0])) * 10 + digit(s[ten + 1])
}

function clockOf(m: RegExpMatchArray): Clock | null {
  const ampmRaw = m[6]?.toLowerCase().replace(/\./g, '')
  const ampm = ampmRaw === 'am' || ampmRaw === 'pm' ? ampmRaw : undefined
  let hour: number
  let minute = 0
  let explicit = ampm !== undefined
  if (m[1] !== undefined) {
    hour = Number(m[1])
    minute = Number(m[2])
    explicit = true
  } else if (m[3] !== undefined) {
    hour = zhNumber(m[3])
    const mm = m[4]
    minute = mm === undefined ? 0 : mm === '半' ? 30 : mm === '一刻' ? 15 : mm === '三刻' ? 45 : zhNumber(mm)
    // "有一点问题", "两点建议" are not clocks: 一/二/两 alone need a day, a part of day or more;
    // "三点到五点", "好，九点" are (other numerals before 点 are almost never a count in this talk)
    explicit = explicit || /\d/.test(m[3]) || mm !== undefined || !/^[一二两]$/u.test(m[3])
  } else {
    hour = Number(m[5])
  }
  if (hour > 24 || minute > 59) return null
  return { hour, minute, ...(ampm ? { ampm } : {}), explicit }
}

function dayTokens(text: string): Token[] {
  const out: Token[] = []
  for (const m of text.matchAll(RELATIVE_RE)) {
    const rel = RELATIVE_DAYS[m[0].toLowerCase().replace(/\s+/g, ' ')]
    if (rel) out.push({ kind: 'day', offset: rel.offset, ...(rel.impliedPeriod ? { impliedPeriod: rel.impliedPeriod } : {}), start: m.index, end: m.index + m[0].length })
  }
  for (const m of text.matchAll(ZH_WEEKDAY_RE)) {
    const week = m[1] === undefined ? 'coming' : m[1].startsWith('下') ? 'next' : 'this'
    out.push({ kind: 'day', weekday: { day: ZH_WEEKDAY[m[2]!]!, week }, start: m.index, end: m.index + m[0].length })
  }
  for (const m of text.matchAll(EN_WEEKDAY_RE)) {
    const week = m[1]?.toLowerCase().startsWith('this') ? 'this' : 'coming'
    out.push({ kind: 'day', weekday: { day: EN_WEEKDAY[m[2]!.toLowerCase()]!, week }, start: m.index, end: m.index + m[0].length })
  }
  for (const m of text.matchAll(DATE_RE)) {
    const month = zhNumber(m[1]!)
    const day = zhNumber(m[2]!)
    if (month >= 1 && month <= 12 && day >= 1 && day <= (MONTH_DAYS[month - 1] as number)) out.push({ kind: 'day', date: { month, day }, start: m.index, end: m.index + m[0].length })
  }
  for (const m of text.matchAll(DAY_OF_MONTH_RE)) {
    const day = zhNumber((m[1] ?? m[2])!)
    const end = m.index + m[0].length
    const inDate = out.some((t) => m.index < t.end && t.start < end)
    if (day >= 1 && day <= 31 && !inDate && !NUMBERED_THING.test(text.slice(end))) out.push({ kind: 'day', date: { day }, start: m.index, end })
  }
  return out
}

// "泡一晚上", "等了一上午", "干了整个下午", "忙了大半天": how long, not when
// (not the day of 周三上午, 礼拜一下午, 初三上午, 三月三上午)
const DURATION_BEFORE = /(?:(?<![周週期拜初月十廿])[一两兩二三四五几幾半整]|大半|一整)\s*[个個]?\s*$/u

function periodTokens(text: string): Token[] {
  return [...text.matchAll(PERIOD_RE)]
    .filter((m) => !DURATION_BEFORE.test(text.slice(Math.max(0, m.index - 3), m.index)))
    .map((m) => ({ kind: 'period' as const, period: PERIODS[m[0].toLowerCase()]!, start: m.index, end: m.index + m[0].length }))
}

/** Clocks, joined into ranges ("9点到11点", "9-12") and given their 以后/前/左右/after/before. */
function timeTokens(text: string, taken: readonly Token[]): Token[] {
  const clocks: Array<{ clock: Clock; start: number; end: number }> = []
  for (const m of text.matchAll(CLOCK_RE)) {
    const clock = clockOf(m)
    const start = m.index
    const end = start + m[0].length
    // a lone 一点/两点 said as a whole clause ("好，两点", "两点吧") is a clock; "有两点建议" is not
    if (clock && !clock.explicit && /[点點时]/u.test(m[0]) && wholeClause(text, start, end)) clock.explicit = true
    // the "2" of 周2 or the "20" of 20号 belongs to the day
    if (clock && !taken.some((t) => start < t.end && t.start < end)) clocks.push({ clock, start, end })
  }
  const out: Token[] = []
  for (let i = 0; i < clocks.length; i++) {
    const a = clocks[i]!
    const b = clocks[i + 1]
    const join = b ? RANGE_JOIN.exec(text.slice(a.end, b.start)) : null
    let token: TimeToken & { start: number; end: number }
    // a bare range ("9-12") is kept here; `meaningful` asks for a day or part of day beside it
    if (b && join) {
      const toPeriod = join[1] ? PERIODS[join[1]] : undefined
      token = { kind: 'time', from: a.clock, to: b.clock, ...(toPeriod ? { toPeriod } : {}), start: a.start, end: b.end }
      // "两点到四点": two clocks joined into a range are times, whatever their numerals
      if (/[点點时:：]/u.test(text.slice(a.start, a.end)) && /[点點时:：]/u.test(text.slice(b.start, b.end))) a.clock.explicit = b.clock.explicit = true
      i++
    } else {
      token = { kind: 'time', from: a.clock, start: a.start, end: a.end }
    }
    withModifier(text, token)
    out.push(token)
  }
  return out
}

const CLAUSE_EDGE = /[\s,，。.!！?？、~～;；]/u
function wholeClause(text: string, start: number, end: number): boolean {
  return (start === 0 || CLAUSE_EDGE.test(text[start - 1]!)) && /^[吧啊呀哈嘛]?(?:$|[\s,，。.!！?？、~～;；])/u.test(text.slice(end))
}

function withModifier(text: string, token: TimeToken & { start: number; end: number }): void {
  if (token.to) return
  const suffix = SUFFIX_MOD.exec(text.slice(token.end))
  if (suffix) {
    const word = suffix[1]!
    token.mod = word === '左右' || word === '前后' ? 'around' : word.endsWith('后') ? 'after' : 'before'
    token.end += suffix[0].length
    token.from.explicit = true
    return
  }
  const prefix = PREFIX_MOD.exec(text.slice(Math.max(0, token.start - 8), token.start))
  if (prefix) {
    const word = prefix[1]!.toLowerCase()
    if (word !== 'from') token.mod = word === 'after' ? 'after' : word === 'before' || word === 'by' ? 'before' : 'around'
    token.start -= prefix[0].length
  }
}

// ---------------------------------------------------------------------------------------------
// Clusters: tokens said together ("明天 上午 9点到11点")

const GLUE = /^(?:\s|的|,|，|从|在|大概|大约|约|on|at|in\s+the)*$/iu
// a time ruled out ("周三上午排满了", "今晚来不了", "周日下午1点那个来不了了", "明天上午家里没人"),
// possibly after a few words that point back at it or say who
const NEGATION =
  /^[\s,，]*(?:(?:那个|这个|那|这|的|我|我们|他|她|他们|家里|屋里|师傅|就|都|也|已经|实在|可能|肯定|估计|恐怕|怕是)\s*){0,3}(?:不行|没空|沒空|不在|没时间|沒時間|不方便|不太方便|不可以|不了|有事|不能|排满|排滿|约满|約滿|满了|滿了|来不了|來不了|去不了|到不了|赶不上|趕不上|赶不及|不来了|不來了|不去了|没人|沒人|冇人|冇空|唔得|唔得闲|唔得閒|not\b|can'?t|cannot|busy|no\b|(?:is|are)\s+(?:full|out)\b)/iu

function clusters(text: string, tokens: readonly Token[]): Token[][] {
  const sorted = [...tokens].sort((a, b) => a.start - b.start)
  const out: Token[][] = []
  for (const t of sorted) {
    const last = out.at(-1)
    const prev = last?.at(-1)
    if (last && prev && t.start >= prev.end && GLUE.test(text.slice(prev.end, t.start))) last.push(t)
    else out.push([t])
  }
  return out
}

/** A cluster says a time when it has a day, a part of day, or a clock said as a clock. */
function meaningful(text: string, c: readonly Token[]): boolean {
  if (NEGATION.test(text.slice(c.at(-1)!.end, c.at(-1)!.end + 14))) return false
  if (c.some((t) => t.kind !== 'time')) return true
  return c.some((t) => t.kind === 'time' && (t.from.explicit || (t.to?.explicit ?? false)))
}

// "改到/改成/换到/推到/挪到" (or a bare 改 between two times: "周二改周三") introduces the new time
const CHANGE_TO = /(?:改|换|推|挪|调|延)(?:到|成|为|去)?\s*$|(?:moved?|changed?|push(?:ed)?|reschedul\w*)\s+(?:to\s+)?$/iu

/** The time a message settles on: the first it says, unless a later one is what it is changed to. */
function newTime(text: string, found: readonly Token[][]): { chosen: Token[]; changedTo: boolean } | undefined {
  for (let i = found.length - 1; i > 0; i--) {
    const c = found[i]!
    if (CHANGE_TO.test(text.slice(found[i - 1]!.at(-1)!.end, c[0]!.start))) return { chosen: c, changedTo: true }
  }
  const first = found[0]
  return first && { chosen: first, changedTo: CHANGE_TO.test(text.slice(Math.max(0, first[0]!.start - 6), first[0]!.start)) }
}

// ---------------------------------------------------------------------------------------------
// Turning a cluster into a window

function hour24(c: Clock, period: Period | undefined): number {
  if (c.ampm === 'pm') return c.hour < 12 ? c.hour + 12 : c.hour
  if (c.ampm === 'am') return c.hour === 12 ? 0 : c.hour
  if ((period === 'afternoon' || period === 'evening' || period === 'dusk') && c.hour < 12) return c.hour + 12
  if (period === 'noon' && c.hour <= 3) return c.hour + 12
  // no part of day: 1–7 o'clock is afternoon or evening for a home visit
  if (period === undefined && c.hour >= 1 && c.hour <= 7) return c.hour + 12
  return c.hour
}

const minutesOf = (c: Clock, period: Period | undefined): number => hour24(c, period) * 60 + c.minute

/** Window in minutes after midnight of the day. */
function windowMinutes(time: TimeToken | undefined, period: Period | undefined, parts: DayParts): [number, number] {
  if (!time) {
    const [s, e] = period ? parts[period] : parts.day
    return [s * 60, e * 60]
  }
  const t = minutesOf(time.from, period)
  if (time.to) {
    let end = minutesOf(time.to, time.toPeriod ?? period)
    // "2-5" is 14–17, "11-2" is 11–14
    if (end <= t && end < 12 * 60) end += 12 * 60
    return [t, end]
  }
  switch (time.mod) {
    case 'after': {
      const ends = period ? [parts[period][1]] : [parts.morning[1], parts.afternoon[1], parts.evening[1]]
      const end = ends.map((h) => h * 60).find((e) => e > t)
      return [t, end ?? t + SINGLE_TIME_MINUTES]
    }
    case 'before': {
      const start = (period ? parts[period][0] : parts.day[0]) * 60
      return [start < t ? start : t - SINGLE_TIME_MINUTES, t]
    }
    case 'around':
      return [t - AROUND_MINUTES, t + AROUND_MINUTES]
    default:
      return [t, t + SINGLE_TIME_MINUTES]
  }
}

function resolveDay(day: DayToken | undefined, today: DateTime): DateTime {
  if (!day) return today
  if (day.offset !== undefined) return today.plus({ days: day.offset })
  if (day.weekday) {
    const { day: wd, week } = day.weekday
    if (week === 'next') return today.startOf('week').plus({ weeks: 1, days: wd - 1 })
    if (week === 'this') return today.startOf('week').plus({ days: wd - 1 })
    return today.plus({ days: (wd - today.weekday + 7) % 7 })
  }
  // a date already behind us is the next one of its kind (next month's 5号, next year's 1月3日),
  // and one that a month lacks is the next month that has it (31号 said in November is December's)
  const date = day.date!
  for (let ahead = 0; ahead <= 48; ahead++) {
    const month = date.month === undefined ? today.startOf('month').plus({ months: ahead }) : DateTime.fromObject({ year: today.year + ahead, month: date.month, day: 1 }, { zone: today.zone })
    if (date.day > (month.daysInMonth ?? 0)) continue
    const d = month.set({ day: date.day })
    if (d >= today) return d
  }
  return today
}

/**
 * The time window a message states, in the tenant's time zone: a day (明天, 周二, 下周六, 11月20日,
 * tomorrow, Tue), a part of it (上午 9–12, 下午 13–18, 晚上 18–21 by default) and a clock or
 * range (9点到11点, 9-12, 10点15左右, 下午4点以后, 3点前, after 4pm). A single time is a two-hour
 * window. Null when the message names no day and no time. A time without a day is today's,
 * or tomorrow's once today's window is over.
 */
const zones = new Map<string, boolean>()
function knownZone(zone: string): boolean {
  let ok = zones.get(zone)
  if (ok === undefined) {
    ok = DateTime.now().setZone(zone).isValid
    zones.set(zone, ok)
  }
  return ok
}

export function extractAppointmentWindow(text: string, now: Date, timeZone: string, parts: DayParts = DEFAULT_DAY_PARTS): AppointmentWindow | null {
  const clean = cleanText(text)
  const days = dayTokens(clean)
  const periods = periodTokens(clean)
  const tokens = [...days, ...periods, ...timeTokens(clean, [...days, ...periods])]
  const all = clusters(clean, tokens)
  const settled = newTime(
    clean,
    all.filter((c) => meaningful(clean, c)),
  )
  const chosen = settled?.chosen
  // most messages name no time: the zone's clock is only read for one that does (it was most of
  // the cost of reading a message), but a wrong zone is refused either way
  if (!chosen) {
    if (!knownZone(timeZone)) throw new Error(`extractAppointmentWindow: unknown time zone ${JSON.stringify(timeZone)}`)
    return null
  }
  const here = DateTime.fromJSDate(now, { zone: timeZone })
  if (!here.isValid) throw new Error(`extractAppointmentWindow: unknown time zone ${JSON.stringify(timeZone)}`)
  const day = chosen.find((t): t is DayToken & Token => t.kind === 'day') ?? dayBefore(all, chosen)
  const time = chosen.find((t): t is TimeToken & Token => t.kind === 'time')
  const period = chosen.find((t): t is PeriodToken & Token => t.kind === 'period')?.period ?? day?.impliedPeriod
  const [from, to] = windowMinutes(time, period, parts)
  const today = here.startOf('day')
  let date = resolveDay(day, today)
  const spansNow = (d: DateTime): boolean => d.plus({ minutes: to }) <= here
  // only what is said: a bare time that is already over today means the next one
  if ((!day || (day.weekday?.week === 'coming' && date.hasSame(today, 'day'))) && spansNow(date)) date = date.plus({ days: day ? 7 : 1 })
  const iso = (m: number): string => date.plus({ minutes: m }).toISO({ suppressMilliseconds: true })!
  return {
    start: iso(from),
    end: iso(to),
    text: clean.slice(chosen[0]!.start, chosen.at(-1)!.end),
    dayStated: day !== undefined,
    timeStated: time !== undefined || period !== undefined,
    clockStated: time !== undefined,
    laterDay: day !== undefined && !date.hasSame(today, 'day'),
    changedTo: settled!.changedTo,
  }
}

/**
 * The day a time without one belongs to: the day said last before it in the message, ruled out
 * or not ("明天上午不行，下午可以" is tomorrow afternoon; "周日下午1点那个来不了了，改3点到5点" is
 * Sunday 15–17). Only when nothing but a time stands in its cluster: "今天下午" has its day.
 */
function dayBefore(all: readonly Token[][], chosen: readonly Token[]): (DayToken & Token) | undefined {
  const at = all.indexOf(chosen as Token[])
  for (let i = at - 1; i >= 0; i--) {
    const day = all[i]!.find((t): t is DayToken & Token => t.kind === 'day')
    if (day) return day
  }
  return undefined
}

/** Local date and minutes after midnight of an ISO time written with the tenant's offset. */
function localParts(iso: string): { date: string; minutes: number } {
  return { date: iso.slice(0, 10), minutes: Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16)) }
}

/**
 * How what a message says about a time relates to a time already known: `repeats` when every
 * part it states (a day, a part of the day or a clock) agrees and none is narrower ("明天下午在"
 * from the nanny repeats "tomorrow 13–18" agreed with the contact; "周日", "上午" or "下午2点半"
 * does not: a narrower time is news to the crew); `overlaps` when the day agrees and the times
 * share a moment (a crew's "明天3点到" falls in the agreed afternoon). Null when it states
 * neither a day nor a time. A time said without a day is today's (tomorrow's once today's is
 * over), as the extractor reads it: "下午我在的" repeats tomorrow afternoon only when said the
 * evening before, not two days earlier, when it may well answer another request.
 */
export function compareWindow(known: { start: string; end: string }, said: AppointmentWindow): 'repeats' | 'overlaps' | 'differs' | null {
  if (!said.dayStated && !said.timeStated) return null
  const k = { from: localParts(known.start), to: localParts(known.end) }
  const s = { from: localParts(said.start), to: localParts(said.end) }
  if (s.from.date !== k.from.date) return 'differs'
  if (!said.timeStated) return 'repeats'
  // a window running past midnight is compared as ending at midnight
  const kEnd = k.to.date === k.from.date ? k.to.minutes : 24 * 60
  const sEnd = s.to.date === s.from.date ? s.to.minutes : 24 * 60
  if (s.from.minutes <= k.from.minutes && sEnd >= kEnd) return 'repeats'
  return s.from.minutes < kEnd && sEnd > k.from.minutes ? 'overlaps' : 'differs'
}
