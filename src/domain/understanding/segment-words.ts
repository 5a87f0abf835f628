const SEGMENTER = new Intl.Segmenter('zh', { granularity: 'word' })

/** Word tokens of a (normalized) text, punctuation and spaces dropped. */
export function segmentWords(text: string): string[] {
  const out: string[] = []
  for (const s of SEGMENTER.segment(text)) if (s.isWordLike || /\p{Extended_Pictographic}/u.test(s.segment)) out.push(s.segment)
  return out
}
