/** One word of a text with its place in that text (UTF-16 offsets). */
export interface Token {
  text: string
  start: number
  end: number
}

// Node 20 ships full ICU: the 'zh' word segmenter splits Chinese by dictionary and English on spaces.
// Constructing it is the expensive part, so one immutable instance is shared.
const SEGMENTER = new Intl.Segmenter('zh', { granularity: 'word' })
const PICTOGRAPH = /\p{Extended_Pictographic}/u

/** Word tokens of a (normalized) text; punctuation and spaces dropped, emoji kept as words. */
export function segmentTokens(text: string): Token[] {
  const out: Token[] = []
  for (const s of SEGMENTER.segment(text)) {
    if (s.isWordLike || PICTOGRAPH.test(s.segment)) out.push({ text: s.segment, start: s.index, end: s.index + s.segment.length })
  }
  return out
}

/** Word tokens of a (normalized) text as plain strings. */
export function segmentWords(text: string): string[] {
  return segmentTokens(text).map((t) => t.text)
}
