import { describe, expect, it } from 'vitest'
import { parseApiTokens } from '../../src/config/api-tokens.js'
import { ConfigError } from '../../src/config/format-issues.js'

// random-looking tokens of 32 characters: what `openssl rand -hex 16` gives
const A = '9f2c4e81b07d3a5f6e1c8b2d4a7f0e93'
const B = 'c51e7a02d9f48b36e0a1f7c2b5d89e41'

/** The problems parsing reports, one line each (or [] when it parses). */
function problems(raw: string, sandbox = false): string[] {
  try {
    parseApiTokens(raw, { sandbox })
    return []
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
}

describe('BATON_API_TOKENS parsing', () => {
  it('reads name:role:token entries', () => {
    expect(parseApiTokens(` ops:viewer:${A} , lead:supervisor:${B}`, { sandbox: false })).toEqual([
      { name: 'ops', role: 'viewer', token: A },
      { name: 'lead', role: 'supervisor', token: B },
    ])
  })

  it('refuses a token containing ":" instead of cutting it short', () => {
    const lines = problems(`ops:viewer:${A}:tail`)
    expect(lines).toEqual(["BATON_API_TOKENS: [0] — expected name:role:token; found 3 ':' (a token must not contain ':')"])
  })

  it('refuses a token cut in two by ",", naming the entry', () => {
    const lines = problems(`ops:viewer:${A.slice(0, 16)},${A.slice(16)}`)
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(/^BATON_API_TOKENS: \[1\] — expected name:role:token .*','/)
  })

  it('refuses the same token listed twice, with the same or another role', () => {
    expect(problems(`ops:viewer:${A},ops:viewer:${A}`)).toEqual(['BATON_API_TOKENS: [1].token — the same token as [0]; list each token once, with one role'])
    expect(problems(`ops:viewer:${A},boss:supervisor:${B},lead:supervisor:${A}`)).toEqual(['BATON_API_TOKENS: [2].token — the same token as [0]; list each token once, with one role'])
  })

  it('refuses short tokens (under 24 characters)', () => {
    expect(problems(`ops:viewer:${A.slice(0, 23)}`)).toEqual(['BATON_API_TOKENS: [0].token — too short (23 characters); expected at least 24 random characters, e.g. from `openssl rand -hex 24`'])
    expect(problems(`ops:viewer:${A.slice(0, 24)}`)).toEqual([])
  })

  it('refuses long but guessable tokens: repeats, sequences, keyboard runs, common words', () => {
    for (const weak of ['aaaaaaaaaaaaaaaaaaaaaaaaaaaa', '012345678901234567890123456', 'passwordpasswordpassword', 'qwertyuiopasdfghjklzxcvbnm', 'abcabcabcabcabcabcabcabcabc', 'handler-token-0123456789']) {
      const lines = problems(`ops:viewer:${weak}`)
      expect(lines, weak).toHaveLength(1)
      expect(lines[0], weak).toMatch(/^BATON_API_TOKENS: \[0\]\.token — too guessable/)
    }
  })

  it('never prints a token, whatever is wrong with it', () => {
    const raw = `ops:viewer:${A}:x,a:viewer:${B},b:handler:${B},c:boss:${A},d:viewer:qwertyuiopasdfghjklzxcvbnm,e:viewer:Zx9Qk`
    const lines = problems(raw)
    expect(lines).toHaveLength(5)
    for (const secret of [A, B, 'qwertyuiopasdfghjklzxcvbnm', 'Zx9Qk']) for (const line of lines) expect(line).not.toContain(secret)
  })

  it('the sandbox token is exempt only in the sandbox, and only itself', () => {
    expect(parseApiTokens(undefined, { sandbox: true })).toEqual([{ name: 'sandbox', role: 'supervisor', token: 'sandbox' }])
    expect(parseApiTokens(undefined, { sandbox: false })).toEqual([])
    expect(problems(`sandbox:supervisor:sandbox,ops:viewer:${A}`, true)).toEqual([])
    expect(problems('sandbox:supervisor:sandbox', false)).toHaveLength(1)
    expect(problems('ops:viewer:viewer-token', true)).toEqual(['BATON_API_TOKENS: [0].token — too short (12 characters); expected at least 24 random characters, e.g. from `openssl rand -hex 24`'])
  })
})
