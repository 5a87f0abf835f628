import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../src/domain/commands/index.js'

const KINDS = new Set(['not_command', 'command', 'error'])
const space = fc.constantFrom(' ', '\t', '\u2005', '\u3000', '\u00a0')
const gap = (min: number) => fc.array(space, { minLength: min, maxLength: 4 }).map((a) => a.join(''))
const invisible = fc.constantFrom('\u200b', '\u200d', '\ufeff', '\u2060', '\u202e')

// What people and WeCom actually put in a line: command words, ids, mentions, emoji, CJK, junk.
const piece = fc.oneof(
  fc.constantFrom('/', '／', '@Baton', '＠王', '#', '＃', 'c', 'd', 'in', 'now', 'force', 'case', '😀', '👨‍👩‍👧', '好的', '售后', '2h', '1天', '-1', '0'),
  fc.constantFrom('approve', 'edit', 'take', 'wait', 'remind', 'snooze', 'auto', 'help', 'cases', 'waiting_partner'),
  fc.integer({ min: -5, max: 2_000_000_000 }).map(String),
  space,
  invisible,
  fc.fullUnicodeString({ maxLength: 4 }),
)
const commandLike = fc.array(piece, { maxLength: 12 }).map((a) => a.join(''))

describe('command grammar (properties)', () => {
  it('never throws on arbitrary input and always returns one of three kinds', () => {
    const anyText = fc.oneof(
      fc.string(),
      fc.fullUnicodeString(),
      fc.string().map((s) => `/${s}`),
      fc.fullUnicodeString().map((s) => `／${s}`),
      fc.fullUnicodeString().map((s) => `@Baton\u2005/${s}`),
      commandLike,
      commandLike.map((s) => `/${s}`),
    )
    fc.assert(
      fc.property(anyText, fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined }), (s, maxLength) => {
        const r = parseCommand(s, maxLength === undefined ? {} : { maxLength })
        expect(KINDS.has(r.kind)).toBe(true)
        if (r.kind === 'command') expect(r.raw).toBe(s)
      }),
      { numRuns: 3000 },
    )
  })

  it('text that does not start with a slash (after mentions and spacing) is never a command', () => {
    const plain = fc.fullUnicodeString().filter((s) => !/^[\s\u200b\ufeff\u2060]*[/／@＠]/u.test(s))
    fc.assert(
      fc.property(plain, (s) => {
        expect(parseCommand(s)).toEqual({ kind: 'not_command' })
      }),
      { numRuns: 2000 },
    )
  })

  it('a valid command with extra spacing, mentions and invisible characters parses the same', () => {
    const valid = fc.oneof(
      fc.integer({ min: 1, max: 999_999_999 }).map((n) => ['approve', `${n}`]),
      fc.integer({ min: 1, max: 999_999_999 }).map((n) => ['approve', `#${n}`, 'force']),
      fc.integer({ min: 1, max: 999 }).map((n) => ['take', 'case', `${n}`]),
      fc.integer({ min: 1, max: 999 }).map((n) => ['wait', `${n}`, 'waiting_partner', 'in', '2h']),
      fc.integer({ min: 1, max: 999 }).map((n) => ['snooze', `c${n}`, '1天']),
      fc.integer({ min: 1, max: 999 }).map((n) => ['assign', `${n}`, '@陈明']),
      fc.constant(['cases', 'overdue']),
      fc.constant(['auto', 'reminder', 'on']),
    )
    fc.assert(
      fc.property(valid, gap(0), fc.array(gap(1), { minLength: 5, maxLength: 5 }), fc.boolean(), fc.boolean(), fc.boolean(), (words, lead, gaps, fullWidth, mentioned, upper) => {
        const canonical = parseCommand(`/${words.join(' ')}`)
        const name = upper ? words[0]!.toUpperCase() : words[0]!
        const line = [name, ...words.slice(1)].map((w, i) => (i === 0 ? w : `${gaps[i - 1]}${w}`)).join('')
        const messy = `${mentioned ? '@Baton\u2005' : ''}${lead}${fullWidth ? '／' : '/'}${line}${lead}`
        const again = parseCommand(messy)
        if (canonical.kind !== 'command') throw new Error('the canonical form must parse')
        // a leading @Baton is one more mention before the one the command names
        const want = 'mentionIndex' in canonical.command && mentioned ? { ...canonical.command, mentionIndex: canonical.command.mentionIndex + 1 } : canonical.command
        expect(again).toEqual({ kind: 'command', command: want, raw: messy })
      }),
      { numRuns: 1000 },
    )
  })

  it('a draft id is accepted exactly when it is a positive integer of at most 9 digits', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 6 })), (v) => {
        const token = String(v)
        const r = parseCommand(`/recall ${token}`)
        const t = token.trim() // spacing around the id does not matter
        const valid = /^#?d?[0-9]{1,9}$/i.test(t) && Number(t.replace(/^#?d?/i, '')) > 0
        expect(r.kind === 'command').toBe(valid)
      }),
      { numRuns: 2000 },
    )
  })
})
