import { z } from 'zod'
import { ConfigError, formatZodIssues } from './format-issues.js'

const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes')

/** Process environment, validated once at start-up. Secrets live here, never in YAML. */
export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/baton'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  // every queue and Redis key lives under one hash tag (`{baton}`), so a Redis Cluster keeps them
  // in one slot as BullMQ's Lua scripts need; a prefix given without braces gets them
  BATON_QUEUE_PREFIX: z
    .string()
    .regex(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/, 'expected letters, digits, "-" or "_", optionally in braces')
    .default('baton')
    .transform((p) => (p.startsWith('{') ? p : `{${p}}`)),
  // the WeCom account a `bot` process serves (a key of the tenant's accounts[]); default the first
  BATON_ACCOUNT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected an account key of lowercase letters, digits, "-" or "_"')
    .optional(),
  BATON_CONFIG: z.string().default('config/sandbox.yaml'),
  BATON_MIGRATE: z.enum(['auto', 'off']).optional(),
  BATON_DATA_DIR: z.string().default('var'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: boolish,
  WECHATY_PUPPET: z.string().optional(),
  WECHATY_PUPPET_SERVICE_TOKEN: z.string().optional(),
  WECHATY_PUPPET_SERVICE_ENDPOINT: z.string().optional(),
  BATON_API_TOKENS: z.string().optional(),
  // an explicit yes to the sandbox where it would otherwise be refused (NODE_ENV=production, a
  // non-loopback HOST: a container publishing to the host's loopback); see sandbox-guard.ts
  BATON_SANDBOX: boolish,
  // behind a TLS-terminating proxy: trust its X-Forwarded-* headers (cookie `Secure`, client address)
  BATON_TRUST_PROXY: boolish,
  // the sandbox's fake order service behind a `sandbox://` orders.lookup URL (issue 19); off:
  // the sandbox answers progress questions from the case alone, as a tenant without orders.lookup
  BATON_SANDBOX_ORDERS: z.enum(['on', 'off']).default('on'),
  BATON_SESSION_IDLE_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(2 * 3600_000),
  BATON_SESSION_MAX_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(12 * 3600_000),
  BATON_LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).default(5),
  // Staying up (README "Staying up"): watchdog, offline alerts, replays, spool, throttling.
  BATON_WATCHDOG_SILENT_MS: z.coerce.number().int().min(1000).default(180_000),
  BATON_WATCHDOG_CHECK_MS: z.coerce.number().int().min(50).default(5_000),
  BATON_RESET_BACKOFF_MS: z.coerce.number().int().min(10).default(5_000),
  BATON_RESET_BACKOFF_MAX_MS: z.coerce.number().int().min(10).default(300_000),
  BATON_ALERT_AFTER_MS: z.coerce.number().int().min(0).default(300_000),
  BATON_ALERT_WECOM_WEBHOOK_KEY: z.string().optional(),
  BATON_ALERT_WECOM_WEBHOOK_URL: z.string().url().default('https://qyapi.weixin.qq.com/cgi-bin/webhook/send'),
  // '' (an unset compose variable) means no generic webhook
  BATON_ALERT_WEBHOOK_URL: z.string().url().optional().or(z.literal('')),
  BATON_ALERT_WEBHOOK_TOKEN: z.string().optional(),
  BATON_ALERT_NAME: z.string().default('Baton'),
  BATON_DUPLICATE_WINDOW_MS: z.coerce.number().int().min(0).default(10_000),
  BATON_SPOOL_RETRY_MS: z.coerce.number().int().min(50).default(5_000),
  // a message event's payload: attempts before it is given up (and reported), and the backoff
  BATON_PAYLOAD_ATTEMPTS: z.coerce.number().int().min(1).default(6),
  BATON_PAYLOAD_RETRY_MS: z.coerce.number().int().min(10).default(1_000),
  BATON_PAYLOAD_RETRY_MAX_MS: z.coerce.number().int().min(10).default(16_000),
  BATON_THROTTLE_PATTERNS: z.string().default('20001|操作过于频繁|too frequent|frequency limit|rate limit'),
  BATON_THROTTLE_COOLDOWN_MS: z.coerce.number().int().min(10).default(60_000),
  BATON_THROTTLE_REPORT_AFTER: z.coerce.number().int().min(1).default(3),
  BATON_SEND_IN_DOUBT_AFTER_MS: z.coerce.number().int().min(1000).default(120_000),
  BATON_SEND_ANSWER_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  // Start-up (README "Start-up and dependencies"): each attempt to reach PostgreSQL or Redis gets
  // this long to connect and answer; failed attempts are retried with backoff, without end
  BATON_DEPENDENCY_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  BATON_DEPENDENCY_RETRY_MS: z.coerce.number().int().min(10).default(1_000),
  BATON_DEPENDENCY_RETRY_MAX_MS: z.coerce.number().int().min(10).default(30_000),
  // a query PostgreSQL has not answered in this long fails (client side): a hung server is an outage
  BATON_DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
})

export type Env = z.infer<typeof envSchema> & {
  /** True when no puppet is configured: Baton runs the in-process mock tenant (if sandbox-guard allows). */
  sandbox: boolean
  migrate: 'auto' | 'off'
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source)
  if (!parsed.success) throw new ConfigError(formatZodIssues('environment', parsed.error.issues))
  // a puppet service token alone can only mean the puppet service: never fall back to the mock tenant
  const puppet = parsed.data.WECHATY_PUPPET || (parsed.data.WECHATY_PUPPET_SERVICE_TOKEN ? 'wechaty-puppet-service' : undefined)
  const sandbox = !puppet || puppet === 'wechaty-puppet-mock'
  return { ...parsed.data, WECHATY_PUPPET: puppet, sandbox, migrate: parsed.data.BATON_MIGRATE ?? (sandbox ? 'auto' : 'off') }
}
