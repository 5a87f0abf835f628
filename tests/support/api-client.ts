import type { SandboxHarness } from './sandbox-runtime.js'

/** Tokens for API tests: one per role (the sandbox default `sandbox` token is replaced). */
export const API_TOKENS = {
  viewer: 'viewer-token-0123456789-7Qm2xVp9LkR4sT8w',
  handler: 'handler-token-0123456789-7Qm2xVp9LkR4sT8w',
  supervisor: 'boss-token-0123456789-7Qm2xVp9LkR4sT8w',
} as const
export const API_TOKENS_ENV = `vera:viewer:${API_TOKENS.viewer},hans:handler:${API_TOKENS.handler},sue:supervisor:${API_TOKENS.supervisor}`

export interface ApiResponse<T = any> {
  status: number
  body: T
  text: string
  headers: Headers
}

/**
 * Calls the running sandbox's HTTP API as a given role (or anonymously, or with a cookie). A call
 * without a bearer token says `Origin: <base>` as the console's own page does (writes need it);
 * `origin` sends another one, or none with null.
 */
export function apiClient(h: SandboxHarness) {
  const addr = h.runtime.server!.address()
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  return {
    base,
    async call<T = any>(
      method: string,
      path: string,
      opts: { as?: keyof typeof API_TOKENS; token?: string; cookie?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; origin?: string | null } = {},
    ): Promise<ApiResponse<T>> {
      const headers: Record<string, string> = { ...opts.headers }
      const token = opts.token ?? (opts.as ? API_TOKENS[opts.as] : undefined)
      if (token) headers['authorization'] = `Bearer ${token}`
      const origin = opts.origin === undefined ? (token ? undefined : base) : opts.origin
      if (origin !== null && origin !== undefined && !headers['origin']) headers['origin'] = origin
      if (opts.cookie) headers['cookie'] = opts.cookie
      let body: string | undefined
      if (opts.rawBody !== undefined) body = opts.rawBody
      else if (opts.body !== undefined) body = JSON.stringify(opts.body)
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json'
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' })
      const text = await res.text()
      let parsed: unknown = undefined
      try {
        parsed = text ? JSON.parse(text) : undefined
      } catch {
        parsed = undefined
      }
      return { status: res.status, body: parsed as T, text, headers: res.headers }
    },
  }
}
