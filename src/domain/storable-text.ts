// A lone surrogate half has no character to be; NUL ends strings in PostgreSQL (text and jsonb
// refuse both). Replacing the one with U+FFFD and dropping the other is what a UTF-8 round trip does.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * The text as it is stored: what everything after recording (evidence, attention, drafts' sources)
 * must carry, so a message that could be recorded can also be decided.
 */
export function storableText(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '')
}

/** Whether PostgreSQL can store the text as it is (no NUL, no lone surrogate). */
export function isStorableText(s: string): boolean {
  return storableText(s) === s
}
