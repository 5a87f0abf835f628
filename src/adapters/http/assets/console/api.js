// Talks to /api/v1 with the session cookie (httpOnly: the token never sits in page scripts).

export class ApiError extends Error {
  constructor(status, body, path) {
    const e = (body && body.error) || {}
    super(e.message || `HTTP ${status}`)
    this.status = status
    this.code = e.code || (status === 404 ? 'not_found' : 'http_' + status)
    // the error middleware puts details beside code and message; the contract also allows `details`
    this.details = { ...e, ...(e.details || {}) }
    this.path = path
    // a 404 that names no entity means the server has no such route (yet)
    this.unavailable = status === 404 && (/^no route for /.test(e.message || '') || !body)
  }
}

export async function api(path, { method = 'GET', body, query } = {}) {
  let url = '/api/v1' + path
  if (query) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
    const s = q.toString()
    if (s) url += '?' + s
  }
  return request(url, { method, body })
}

export async function request(url, { method = 'GET', body } = {}) {
  let res
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (err) {
    throw new ApiError(0, { error: { code: 'network', message: String(err) } }, url)
  }
  let data = null
  const text = await res.text()
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!res.ok) throw new ApiError(res.status, data, url)
  return data
}
