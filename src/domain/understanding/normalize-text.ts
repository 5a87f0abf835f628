// Zero-width, bidi controls, word joiners and BOM: invisible to people, used to dodge filters
// ("投\u200d诉") or to reorder what a reviewer sees.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g
// Emoji presentation selectors and skin tones change how an emoji looks, never what it means.
// eslint-disable-next-line no-misleading-character-class -- each selector and skin tone is removed on its own, by design
const EMOJI_MODIFIERS = /[\uFE0E\uFE0F\u{1F3FB}-\u{1F3FF}]/gu
// Chinese is written without spaces, so a space between two CJK characters ("退　款") is only noise.
const SPACE_INSIDE_CJK = /(?<=[\p{Script=Han}\u3000-\u303F])\s+(?=[\p{Script=Han}\u3000-\u303F])/gu

/** NFKC (full-width → half-width), invisible characters removed, spaces collapsed; case kept. */
export function cleanText(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(EMOJI_MODIFIERS, '').replace(SPACE_INSIDE_CJK, '').replace(/\s+/g, ' ').trim()
}

/** The form every lexicon lookup works on: `cleanText` plus lower-cased latin. */
export function normalizeText(text: string): string {
  return cleanText(text).toLowerCase()
}

/** Whether the raw text hides characters a person cannot see. */
export function hasInvisible(text: string): boolean {
  return new RegExp(INVISIBLE.source).test(text)
}
