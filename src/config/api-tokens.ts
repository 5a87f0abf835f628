import { ConfigError } from './format-issues.js'

export const API_ROLES = ['viewer', 'handler', 'supervisor'] as const
export type ApiRole = (typeof API_ROLES)[number]

export interface ApiToken {
  name: string
  role: ApiRole
  token: string
}

/**
 * Parses `BATON_API_TOKENS` = "name:role:token,…" (secrets live in the environment only).
 * Tokens shorter than 16 characters are refused outside the sandbox.
 */
export function parseApiTokens(raw: string | undefined, opts: { sandbox: boolean }): ApiToken[] {
  if (!raw || raw.trim() === '') return opts.sandbox ? [{ name: 'sandbox', role: 'supervisor', token: 'sandbox' }] : []
  const problems: string[] = []
  const tokens = raw.split(',').map((entry, i) => {
    const [name, role, token] = entry.trim().split(':')
    if (!name || !role || !token) problems.push(`BATON_API_TOKENS: [${i}] — expected name:role:token`)
    else if (!(API_ROLES as readonly string[]).includes(role)) problems.push(`BATON_API_TOKENS: [${i}].role — expected one of viewer, handler, supervisor, got ${JSON.stringify(role)}`)
    else if (!opts.sandbox && token.length < 16) problems.push(`BATON_API_TOKENS: [${i}].token — expected at least 16 characters`)
    return { name: name ?? '', role: role as ApiRole, token: token ?? '' }
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return tokens
}
