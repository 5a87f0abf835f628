// Zero-width, bidi controls, word joiners and BOM: invisible to people, used to dodge filters.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g

/** NFKC (full-width → half-width), invisible characters removed, latin lower-cased, spaces collapsed. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase().replace(/\s+/g, ' ').trim()
}

export function hasInvisible(text: string): boolean {
  return new RegExp(INVISIBLE.source).test(text)
}
