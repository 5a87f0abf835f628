import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FileBox } from 'file-box'
import { Redis } from 'ioredis'
import { types as PuppetTypes } from 'wechaty-puppet'
import { loadTenant, type Tenant } from '../../src/config/load-tenant.js'
import { startBaton, type Runtime } from '../../src/main/runtime.js'
import { dropSchema, testEnv, testLogger } from '../../tests/support/test-env.js'

/** The id and name of the person the directory does not know (`as: "outsider"`). */
export const OUTSIDER = { id: 'wx-eval-outsider', name: '访客' } as const

// 1×1 PNG: the recording path only needs a real attachment with a name, never its content.
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

const ATTACHMENT_TYPES = {
  image: PuppetTypes.Message.Image,
  file: PuppetTypes.Message.Attachment,
  video: PuppetTypes.Message.Video,
} as const

export interface SayLine {
  /** person id of the tenant file, or "outsider" */
  as: string
  group: string
  text: string
  type?: keyof typeof ATTACHMENT_TYPES
}

/** One running Baton on a mock WeCom tenant, in a schema and queue prefix of its own. */
export interface EvalBaton {
  runtime: Runtime
  tenant: Tenant
  /** Makes a person say a line in a group; returns the WeCom message id it will be recorded under. */
  say(line: SayLine): string
  close(): Promise<void>
}

/**
 * Starts Baton in process with the `bot` role only. That is also what keeps timers out of the
 * figures: reminders, escalations, auto-close and draft expiry are fired only by the `worker`
 * role (timer worker, expiry sweep), so although the bot still schedules timers
 * (the sandbox tenant's waits are minutes long), none of them can fire during a run. The tenant
 * object is therefore played exactly as its file says; no policy wait is overridden.
 */
export async function startEvalBaton(tenantPath: string, opts: { log?: Parameters<typeof startBaton>[0]['log'] } = {}): Promise<EvalBaton> {
  const tenant = withSharedConfig(loadTenant(tenantPath))
  const env = testEnv({
    // a run lasts minutes with messages every few ms; nothing here may reset the mock session or
    // report a send "in doubt" and put an unrelated notice into some line's window
    BATON_WATCHDOG_SILENT_MS: String(6 * 3600_000),
    BATON_SEND_IN_DOUBT_AFTER_MS: String(6 * 3600_000),
    BATON_ALERT_AFTER_MS: String(6 * 3600_000),
  })
  const runtime = await startBaton({ env, tenant, roles: ['bot'], log: opts.log ?? testLogger() })
  const sandbox = runtime.sandbox
  if (!sandbox) {
    await runtime.stop()
    await dropSchema(env.DATABASE_SCHEMA)
    throw new Error('Baton started without the sandbox mock tenant (is WECHATY_PUPPET set?); the eval needs the mock')
  }
  const mocker = sandbox.mocker
  // the mock tenant only knows the people of the tenant file: add someone the directory does not
  mocker.createContact({ id: OUTSIDER.id, name: OUTSIDER.name })
  const rooms = new Map(sandbox.groups().map((g) => [g.key, g.roomId]))
  const people = [...tenant.people.map((p) => ({ id: p.id, name: p.name })), ...(tenant.tenant.bot ? [tenant.tenant.bot] : [])]
  const known = new Set(tenant.people.map((p) => p.id))

  const say = (line: SayLine): string => {
    const talkerId = line.as === 'outsider' ? OUTSIDER.id : line.as
    if (!known.has(talkerId) && talkerId !== OUTSIDER.id) throw new Error(`no person ${JSON.stringify(line.as)} in ${tenantPath}`)
    const roomId = rooms.get(line.group)
    if (!roomId) throw new Error(`no group ${JSON.stringify(line.group)} in ${tenantPath}`)
    // Built by hand rather than through SandboxTenant.say: that one knows only declared people,
    // sends images only, and the mock guesses a type from the file's media type (a .pdf or .mov
    // would arrive as "unknown"). Here the labelled type is the type Baton sees.
    const id = `eval-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
    const base = { id, talkerId, roomId, timestamp: Date.now(), mentionIdList: mentionsIn(line.text, people) }
    if (line.type) {
      mocker.cacheFileBoxPayload.set(id, FileBox.fromBase64(TINY_PNG, line.text || `${line.type}.bin`).toJSON())
      mocker.MessageMock.create({ ...base, type: ATTACHMENT_TYPES[line.type], filename: line.text })
    } else {
      mocker.MessageMock.create({ ...base, type: PuppetTypes.Message.Text, text: line.text })
    }
    mocker.puppet.emit('message', { messageId: id })
    return id
  }

  return {
    runtime,
    tenant,
    say,
    close: async () => {
      await runtime.stop()
      await dropSchema(env.DATABASE_SCHEMA)
      await dropQueueKeys(env.REDIS_URL, env.BATON_QUEUE_PREFIX)
    },
  }
}

/** The product's own lexicon, understanding, knowledge and wording (beside config/sandbox.yaml). */
const CONFIG_DIR = resolve(import.meta.dirname, '..', '..', 'config')
const SHARED = { lexicon: 'lexicon.yaml', understanding: 'understanding', knowledge: 'knowledge', wording: 'wording' } as const

/**
 * The corpus tenants (data/understanding/tenants/*.yaml) declare a tenant's people, groups and
 * policy, not a copy of the lexicon, knowledge and wording: Baton would look for those beside the
 * tenant file and refuse to start. What a tenant neither names in `paths` nor keeps beside its
 * file is taken from config/, as a real tenant deployed with the stock configuration would.
 */
export function withSharedConfig(tenant: Tenant): Tenant {
  const paths: Record<string, string | undefined> = { ...tenant.paths }
  for (const [key, name] of Object.entries(SHARED)) {
    if (paths[key] === undefined && !existsSync(join(tenant.dir, name))) paths[key] = join(CONFIG_DIR, name)
  }
  return { ...tenant, paths: paths as Tenant['paths'] }
}

/**
 * WeCom reports an @mention both in the text and as a mention list; a labelled line has only
 * the text, so `@name` of a known person (or the bot) becomes a mention as the client would make it.
 */
export function mentionsIn(text: string, people: ReadonlyArray<{ id: string; name: string }>): string[] {
  const ids: string[] = []
  for (const p of people) if (text.includes(`@${p.name}`) && !ids.includes(p.id)) ids.push(p.id)
  return ids
}

/** The queue keys of one run (timers scheduled but never fired, delivered send jobs). */
async function dropQueueKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } catch {
    // leftover keys under a unique prefix harm nobody; never fail a report over them
  } finally {
    redis.disconnect()
  }
}
