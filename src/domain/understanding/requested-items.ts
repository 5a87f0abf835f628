import { normalizeText } from './normalize-text.js'

/** What an item is: an attachment (photo, video, document) can satisfy all but `info`. */
export const CATALOGUE_ITEM_KINDS = ['photo', 'video', 'document', 'info'] as const
export type CatalogueItemKind = (typeof CATALOGUE_ITEM_KINDS)[number]

/** An item Baton may ask a customer for (config/understanding/catalogue.yaml). */
export interface CatalogueItem {
  key: string
  /** customer-safe wording */
  label: string
  /** the words partners use for it */
  synonyms: readonly string[]
  kind: CatalogueItemKind
}

export interface Catalogue {
  items: readonly CatalogueItem[]
}

export interface RequestedItem {
  key: string
  /** customer-safe wording from the catalogue */
  label: string
}

export interface RequestedItems {
  /** catalogue items the request names, in order of first mention, each once */
  items: RequestedItem[]
  /** short phrases the request asks for that no catalogue item covers, for a person to check */
  unlisted: string[]
}

interface Synonym {
  text: string
  item: number
  /** latin synonyms need word boundaries: "box" is not inside "inbox" */
  latin: boolean
}

interface Span {
  start: number
  end: number
  item: number
}

// Synonyms normalized and longest first once per catalogue, not once per message.
const matchers = new WeakMap<Catalogue, Synonym[]>()
function synonymsOf(catalogue: Catalogue): Synonym[] {
  let list = matchers.get(catalogue)
  if (!list) {
    list = catalogue.items
      .flatMap((it, item) =>
        it.synonyms
          .map((s) => normalizeText(s))
          .filter((text) => text.length > 0)
          .map((text) => ({ text, item, latin: /^[\x20-\x7e]+$/.test(text) })),
      )
      .sort((a, b) => b.text.length - a.text.length)
    matchers.set(catalogue, list)
  }
  return list
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c)

function occurrences(text: string, s: Synonym): Span[] {
  const out: Span[] = []
  for (let at = text.indexOf(s.text); at >= 0; at = text.indexOf(s.text, at + 1)) {
    const end = at + s.text.length
    if (s.latin && (isWordChar(text[at - 1]) || isWordChar(text[end]))) continue
    out.push({ start: at, end, item: s.item })
  }
  return out
}

/** Every synonym occurrence; where two overlap the longer one (met first) keeps its place. */
function synonymSpans(text: string, synonyms: readonly Synonym[]): Span[] {
  const taken: Span[] = []
  for (const s of synonyms) {
    for (const span of occurrences(text, s)) {
      if (!taken.some((t) => span.start < t.end && t.start < span.end)) taken.push(span)
    }
  }
  return taken.sort((a, b) => a.start - b.start)
}

// ---------------------------------------------------------------------------------------------
// Things asked for that the catalogue does not know

// Stands in for a catalogue match, so a request phrase that contains one is known to be covered.
const COVERED = '\u0001'
const STOP = '[^，。,.!?！？；;:：\\n]'
// 发 is a request only when it is not 发货/发生/发现… nor the end of a word (沙发, 头发, 出发, 研发);
// 发票 is a catalogue word and already covered.
// 录 inside a noun (记录, 目录, 登记录入) asks for nothing: "温度记录都有" is a report, not a request.
const VERB_ZH =
  '(?:补拍|拍一下|拍一张|拍几张|拍个|拍张|拍下|拍|补传|上传一下|上传|回传|发一下|发个|发张|发下|(?<![沙头理出开收批分研散启激引爆首颁签])发(?![货生现展布烧热动出明送给了]|电机)|提供一下|提供|准备一下|准备好|准备|录一下|录个|(?<![记紀纪目登收抄笔筆实實备備摘节節])录)'
const REQUEST_SHAPES: readonly RegExp[] = [
  new RegExp(`${VERB_ZH}(${STOP}{1,24})`, 'gu'),
  // 把保修卡拍一下发过来: the object comes before the verb
  new RegExp(`把(${STOP}{1,16}?)(?=${VERB_ZH})`, 'gu'),
  /(?<![a-z])(?:send|provide|upload|share|record|take\s+(?:a\s+|some\s+)?(?:photos?|pictures?|pics?|videos?)\s+of)\s+(?:(?:us|me)\s+)?([^,.;!?\n]{1,48})/gu,
]
// and / with / as well as: one request often lists several things
const CONNECTOR = /和|跟|还有|以及|及|与|、|\band\b|&|\bplus\b|\bas well as\b/u
// a second verb ends the thing asked for: 铭牌拍一下发过来 → 铭牌
const TRAILING_VERB = /(?:发过来|拍过来|传过来|发给|发到|给我们|给我|给师傅|过来|上传|看看|看一下|确认).*$/u
const LEADING_FILLER = /^(?:一下|一张|一个|一段|几张|一些|一|下|个|张|段|些|给我们|给我|我们|我|咱们|您的|你的|你|您|客户的|客户|清楚的|清晰的|清楚|清晰|的|好|\s)+/u
const TRAILING_FILLER = /(?:一下|吧|哦|啊|呢|呀|哈|了|谢谢|可以吗|好吗|好的|就行|即可|\s)+$/u
const EN_LEADING = /^(?:(?:a|an|the|some|your|their|his|her|us|me|clear|photos?|pictures?|pics?)\s+(?:of\s+)?)+/u
const EN_TRAILING = /\s+(?:please|pls|to us|to me|asap|now|today|tomorrow|if possible|thanks?|thank you)\b.*$/u
// people are not things to ask for: @mentions and 王先生/李师傅-style names are dropped
const NAMES = /@\S+|[\p{Script=Han}]{1,2}(?:先生|女士|小姐|师傅|老师|经理|总)/gu

// an amount in Chinese numerals (八百, 两千五, 三万) or a word for a price or a fee
const MONEY = /[一二两三四五六七八九十几][十百千万块元]|[0-9]\s*(?:元|块|百|千|万)|租金|价格|价钱|钱|(?<!免)费|yuan|rmb|¥|￥/iu

// the longest thing-asked-for carried into a draft, in characters (an English phrase has more)
const MAX_PHRASE = 14
const MAX_PHRASE_LATIN = 40
// what is left of an English request once its things are covered ("… of the box and the delivery note")
const EN_FUNCTION_WORD = /^(?:the|a|an|of|it|its|this|that|them|these|those|some|and|or)$/u

function cleanPhrase(part: string): string {
  return part
    .replace(NAMES, '')
    .replace(/[0-9]+/g, '')
    .replace(TRAILING_VERB, '')
    .replace(EN_TRAILING, '')
    .replace(LEADING_FILLER, '')
    .replace(EN_LEADING, '')
    .replace(TRAILING_FILLER, '')
    .trim()
}

function unlistedPhrases(masked: string): string[] {
  const out: string[] = []
  for (const shape of REQUEST_SHAPES) {
    for (const m of masked.matchAll(shape)) {
      for (const part of (m[1] ?? '').split(CONNECTOR)) {
        if (part.includes(COVERED)) continue
        const phrase = cleanPhrase(part)
        // one character ("个", "z") is never a thing anybody asked for; a phrase naming a sum or
        // a fee ("租金八百", "加两百") is the partner's price, never words for the customer
        // and a thing is named in a few words: a longer stretch is a clause of the partner's own
        // ("鲳鱼化冻是伊拉后门口晒太阳晒了半个钟头"), never words for the customer
        const length = [...phrase].length
        if (length >= 2 && length <= (/^[\x20-\x7e]+$/.test(phrase) ? MAX_PHRASE_LATIN : MAX_PHRASE) && !EN_FUNCTION_WORD.test(phrase) && !MONEY.test(phrase) && !out.includes(phrase)) out.push(phrase)
      }
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Which mentions are asked for

// A clause asks for what it names when it says who should do something (让/叫/请/麻烦客户…, 要客户…,
// 家里要有人), asks a question, or has a verb of sending; a clause that only reports ("铭牌看了两台",
// "条码查到了", "角阀是客户家的老东西锈死的", "纸箱一个角压瘪了") names things nobody is asked for.
const ASKING = new RegExp(
  [
    VERB_ZH,
    '让|叫(?!做)|请(?!假|客)|麻烦|帮忙|帮我|问[下一问]|说[下一声]|告诉|确认|报备|申请|登个?记|签个?字|留[个人]|腾|清空|拿空|收[掉一好拾]|挪开|搬开|准备',
    '(?:要|得|需要|须|必须)\\s*(?:客户|业主|房东|租客|家里|家人|主人|店里|店员|前台|民宿|站里|对方|老人家|他|她|有人|先|提前)',
    '(?:客户|业主|房东|租客|家里|家人|主人|屋里|屋企|老人家)\\s*(?:要|得|需要|须|必须|务必)',
    '提前|约好|约一下',
    '吗|嘛[？?]|[？?]|能否|是否|有无|几楼|多少|哪[里儿个天]|什么时候|啥时候|几时|方便',
    // 在不在, 能不能, 有没有, 方不方便: a question either way
    '(\\p{Script=Han})[不没]\\1',
    '(?<![a-z])(?:please|pls|plz|can you|could you|need|send|provide|upload|share|take|confirm|let us know|ask|tell|make sure|check)(?![a-z])',
  ].join('|'),
  'iu',
)
// clause edges: a full stop only between sentences, not inside "1.5" or a numbered list's "2."
const CLAUSE_EDGE = /[，,。！!？?；;\n]|\.(?=\s|$)/gu
const GOES_ON = /^\s*(?:还有|另外|再|以及|和|跟|加上|顺便|and\b|also\b|plus\b)/iu
// what may stand beside the things a list clause names ("发票，保修卡和铭牌照片")
const LIST_GLUE = /^[\s\d.、:：()（）和跟与及以还有再另外外加]*$/u

// the next clause opens by asking ("插座要三孔带地线的，让家里确认下", "铭牌和插座，拍一下发过来")
const OPENS_ASKING = new RegExp(`^\\s*(?:${VERB_ZH}|(?:让|叫|请|麻烦)\\s*\\S{0,4}?(?:确认|看|拍|发|说|问|查|检查|准备|提供|量))`, 'u')

/** The clauses of the text as [start, end) offsets. */
function clausesOf(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let from = 0
  for (const m of text.matchAll(CLAUSE_EDGE)) {
    out.push([from, m.index])
    from = m.index + m[0].length
  }
  out.push([from, text.length])
  return out
}

/**
 * The spans a request asks for: those in a clause that asks, in a clause right before one that
 * opens with a verb of sending ("铭牌和插座，拍一下发过来"), or in a clause of things only that
 * continues a list an asking clause began ("要这几样：发票，保修卡，铭牌照片").
 */
function askedSpans(text: string, spans: readonly Span[]): Span[] {
  const clauses = clausesOf(text)
  const asks: boolean[] = clauses.map(([a, b]) => ASKING.test(text.slice(a, b)))
  for (let i = 0; i < clauses.length; i++) {
    if (asks[i]) continue
    const [a, b] = clauses[i]!
    const next = clauses[i + 1]
    if (next && OPENS_ASKING.test(text.slice(next[0], next[1]))) asks[i] = true
    // "让客户先拍一下那个插座，还有配电箱里头的开关": the request goes on
    else if (i > 0 && asks[i - 1] && GOES_ON.test(text.slice(a, b))) asks[i] = true
    else if (i > 0 && asks[i - 1]) {
      // nothing but catalogue things (and list glue) in it: the list goes on
      let rest = text.slice(a, b)
      for (const s of spans) if (s.start >= a && s.end <= b) rest = rest.replace(text.slice(s.start, s.end), '')
      if (rest.length < b - a && LIST_GLUE.test(rest.replace(/照片|视频|图片|的/gu, ''))) asks[i] = true
    }
  }
  return spans.filter((s) => {
    const i = clauses.findIndex(([a, b]) => s.start >= a && s.start < b)
    return i >= 0 && asks[i]
  })
}

/**
 * The items a partner's request asks the customer for, matched on the catalogue's synonyms
 * (normalized text; the longest synonym wins where two overlap), and what it asks for beyond
 * the catalogue, found by the shape of a request (拍/发/提供/上传/录 + a short noun phrase).
 */
export function extractRequestedItems(text: string, catalogue: Catalogue): RequestedItems {
  // a space between Chinese words ends a clause in chat ("温度记录都有 鲳鱼化冻是…"); normalising
  // would glue the clauses together, so it becomes a comma first
  const normalized = normalizeText(text.replace(/(?<=[^\p{ASCII}])\s+(?=[^\p{ASCII}])/gu, '，'))
  const spans = synonymSpans(normalized, synonymsOf(catalogue))
  const items: RequestedItem[] = []
  for (const s of askedSpans(normalized, spans)) {
    const it = catalogue.items[s.item]!
    if (!items.some((i) => i.key === it.key)) items.push({ key: it.key, label: it.label })
  }
  let masked = normalized
  for (const s of [...spans].reverse()) masked = masked.slice(0, s.start) + COVERED.repeat(s.end - s.start) + masked.slice(s.end)
  return { items, unlisted: unlistedPhrases(masked) }
}
