/**
 * Removes secrets from text that goes to logs, /readyz or alerts: the configured secrets
 * verbatim, and anything shaped like a Wechaty token (gateways echo the token they refused).
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***')
  return out.replace(/\b(insecure_|puppet_)[A-Za-z0-9_-]+/g, '$1***').replace(/(TOKEN\s*")[^"]*(")/gi, '$1***$2')
}
