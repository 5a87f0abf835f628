import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as zxcvbnCommon from '@zxcvbn-ts/language-common'
import { ConfigError } from './format-issues.js'

export const API_ROLES = ['viewer', 'handler', 'supervisor'] as const
export type ApiRole = (typeof API_ROLES)[number]

export interface ApiToken {
  name: string
  role: ApiRole
  token: string
}

/** The sandbox's own token (supervisor); accepted only while Baton runs the sandbox. */
export const SANDBOX_TOKEN: ApiToken = { name: 'sandbox', role: 'supervisor', token: 'sandbox' }

/** A token shorter than this is refused (a random 24-character token is ~140 bits). */
export const MIN_TOKEN_LENGTH = 24
/** zxcvbn's estimate of guesses, as a power of ten: 10^18 is ~60 bits, far past any online attack. */
export const MIN_TOKEN_GUESSES_LOG10 = 18

let estimator: ZxcvbnFactory | undefined
/** zxcvbn with the common-password dictionaries and keyboard graphs, built on first use only. */
function guessesLog10(token: string): number {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...zxcvbnCommon.dictionary }, graphs: zxcvbnCommon.adjacencyGraphs })
  return estimator.check(token).guessesLog10
}

/**
 * Parses `BATON_API_TOKENS` = "name:role:token,…" (secrets live in the environment only).
 * Refuses, naming the entry by position and never printing a token: an entry that is not exactly
 * three `:`-separated parts (a `:` or `,` inside a token would silently cut it), an unknown role,
 * a token listed twice (whatever the roles), and a weak token (shorter than 24 characters or
 * guessable by zxcvbn's estimate). The sandbox's own token is exempt only in the sandbox.
 */
export function parseApiTokens(raw: string | undefined, opts: { sandbox: boolean }): ApiToken[] {
  if (!raw || raw.trim() === '') return opts.sandbox ? [SANDBOX_TOKEN] : []
  const problems: string[] = []
  const firstSeen = new Map<string, number>()
  const tokens = raw.split(',').map((entry, i) => {
    const parts = entry.trim().split(':')
    const [name, role, token] = parts
    const at = `BATON_API_TOKENS: [${i}]`
    if (parts.length > 3) problems.push(`${at} — expected name:role:token; found ${parts.length - 1} ':' (a token must not contain ':')`)
    else if (!name || !role || !token) problems.push(`${at} — expected name:role:token${entry.trim() === '' ? ', got an empty entry' : ''} (entries are separated by ',', which a token must not contain)`)
    else if (!(API_ROLES as readonly string[]).includes(role)) problems.push(`${at}.role — expected one of viewer, handler, supervisor, got ${JSON.stringify(role)}`)
    else {
      const earlier = firstSeen.get(token)
      if (earlier !== undefined) problems.push(`${at}.token — the same token as [${earlier}]; list each token once, with one role`)
      else firstSeen.set(token, i)
      const exempt = opts.sandbox && token === SANDBOX_TOKEN.token
      if (!exempt && earlier === undefined) {
        if (token.length < MIN_TOKEN_LENGTH) problems.push(`${at}.token — too short (${token.length} characters); expected at least ${MIN_TOKEN_LENGTH} random characters, e.g. from \`openssl rand -hex 24\``)
        else if (guessesLog10(token) < MIN_TOKEN_GUESSES_LOG10)
          problems.push(`${at}.token — too guessable (repeats, sequences, keyboard runs or common words); use random characters, e.g. from \`openssl rand -hex 24\``)
      }
    }
    return { name: name ?? '', role: role as ApiRole, token: token ?? '' }
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return tokens
}
