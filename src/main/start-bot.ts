import { join, resolve } from 'node:path'
import type { Wording } from '../config/load-wording-dir.js'
import { say } from '../app/case-facts-text.js'
import { deliverSend } from '../app/deliver-send.js'
import { ContactActivity } from '../app/growth/note-contact-activity.js'
import { noteMembersLeft, welcomeNewcomers } from '../app/growth/welcome-newcomers.js'
import { acceptFriendRequest } from '../app/growth/accept-friend-request.js'
import { InboundPipeline } from '../app/inbound-pipeline.js'
import { PIPELINE_LIMITS } from '../app/pipeline-limits.js'
import { UnloadedMessageReports } from '../app/report-unloaded-message.js'
import { settleInDoubtSends } from '../app/settle-in-doubt-sends.js'
import { throttleMatcher } from '../domain/resilience/send-throttle.js'
import { BatchingMessageStore } from '../adapters/db/batching-message-store.js'
import { isDatabaseOutage } from '../adapters/db/is-outage.js'
import { SqlMessageStore } from '../adapters/db/message-store.js'
import { sqlRuntimeQueries } from '../adapters/db/runtime-queries.js'
import { startOutboundWorker } from '../adapters/queue/outbound-queue.js'
import { SendThrottle } from '../adapters/queue/send-throttle.js'
import { FileSpool } from '../adapters/spool/file-spool.js'
import { buildWechaty } from '../adapters/wecom/build-wechaty.js'
import { ConnectionWatchdog } from '../adapters/wecom/connection-watchdog.js'
import { SandboxTenant } from '../adapters/wecom/sandbox-tenant.js'
import { WecomSession } from '../adapters/wecom/wecom-session.js'
import { postgresNotStarted } from './await-dependencies.js'
import type { Shared } from './shared-runtime.js'
import { startOfflineAlerts } from './staying-up.js'
import { alertNameOf } from './accounts-wiring.js'
import { Stoppers } from './stoppers.js'

/**
 * The bot role: the WeCom session, the inbound pipeline it feeds (src/app/inbound-pipeline.ts)
 * and the outbound worker that sends through it. Fills the runtime's session, pipeline, intake,
 * watchdog and throttle; returns what it must stop.
 */
export async function startBot(s: Shared): Promise<Stoppers> {
  const stops = new Stoppers()
  try {
    const { env, log, runtime, withPostgres } = s
    runtime.account = s.accounts.account
    const sandbox = env.sandbox ? new SandboxTenant(s.tenant, s.accounts.account.key, s.sandboxPuppet) : undefined
    const session = new WecomSession(buildWechaty(env, sandbox?.puppet), log, [env.WECHATY_PUPPET_SERVICE_TOKEN], {
      attempts: env.BATON_PAYLOAD_ATTEMPTS,
      delayMs: env.BATON_PAYLOAD_RETRY_MS,
      maxDelayMs: env.BATON_PAYLOAD_RETRY_MAX_MS,
    })
    session.needTopics = s.directory.needsTopics
    const pipeline = inboundPipeline(s, session, stops)
    session.deliverTo(pipeline)
    // members joining or leaving a watched customer group: contacts, join rules, welcomes
    session.onMembership(async (kind, change) => {
      if (!s.postgresStarted()) throw postgresNotStarted(s.waits)
      if (kind === 'join') await welcomeNewcomers(s.growth, change)
      else await noteMembersLeft(s.growth, change)
    })
    // friend requests to the bot account: accepted only when config/growth.yaml says so
    session.onFriendRequest(async (req) => {
      if (!s.postgresStarted()) throw postgresNotStarted(s.waits)
      await acceptFriendRequest(s.growth, session, req)
    })
    // a message event whose payload never loaded: counted and told to the team once
    // (before PostgreSQL has answered, any failure to store the notice means "try again later")
    const { store, directory, wording, clock, telemetry } = s
    const unloadedReports = new UnloadedMessageReports({ store, directory, wording, clock, log, telemetry, isOutage: (err) => !s.postgresStarted() || isDatabaseOutage(err), retryMs: env.BATON_SPOOL_RETRY_MS })
    session.onUnloaded((m) => void unloadedReports.report(m))
    stops.add(async () => unloadedReports.stop())
    const throttle = sendThrottle(s)
    runtime.throttle = throttle
    await session.start()
    sandbox?.populate()
    const watchdog = new ConnectionWatchdog(session.bot, log, {
      silentAfterMs: env.BATON_WATCHDOG_SILENT_MS,
      checkEveryMs: env.BATON_WATCHDOG_CHECK_MS,
      backoffMs: env.BATON_RESET_BACKOFF_MS,
      backoffMaxMs: env.BATON_RESET_BACKOFF_MAX_MS,
      secrets: [env.WECHATY_PUPPET_SERVICE_TOKEN],
    })
    watchdog.start()
    runtime.watchdog = watchdog
    const offlineAlerts = startOfflineAlerts({ env, wording, watchdog, log, name: alertNameOf(env.BATON_ALERT_NAME, s.accounts) })
    pipeline.start()
    runtime.intake = pipeline.intake
    runtime.pipeline = pipeline
    // stop order: the send worker (started with PostgreSQL, so added later) finishes its job
    // while the session is still up, then the session records every event already delivered
    // and closes
    stops.add(() => session.stop())
    stops.add(() => pipeline.stop())
    stops.add(() => watchdog.stop())
    stops.add(() => offlineAlerts.stop())
    withPostgres.add(() => startSending(s, session, throttle, pipeline, stops))
    runtime.session = session
    if (sandbox) runtime.sandbox = sandbox
    return stops
  } catch (err) {
    await stops.stopQuietly()
    throw err
  }
}

/** receive → record → understand → decide → outbox → send, wired to this process's stores. */
function inboundPipeline(s: Shared, session: WecomSession, stops: Stoppers): InboundPipeline {
  const { env, ds, log } = s
  const messages = new BatchingMessageStore(ds, new SqlMessageStore(ds), PIPELINE_LIMITS.batch)
  // contacts and their event log, written beside the decision path, never in its way
  const contacts = new ContactActivity(s.growth)
  s.runtime.contactActivity = contacts
  stops.add(() => contacts.settle())
  return new InboundPipeline({
    ...s.commandServices,
    messages,
    messenger: session,
    isOutage: isDatabaseOutage,
    contacts,
    telemetry: s.telemetry,
    duplicateWindowMs: env.BATON_DUPLICATE_WINDOW_MS,
    account: s.accounts.account.key,
    // PostgreSQL down: inbound messages wait in a local spool and are replayed in order
    spool: new FileSpool(join(resolve(env.BATON_DATA_DIR), 'spool')),
    retryMs: env.BATON_SPOOL_RETRY_MS,
    // until PostgreSQL has answered (and the schema is in place) every message is spooled
    databaseReady: () => s.postgresStarted(),
    notReady: () => postgresNotStarted(s.waits),
    log,
  })
}

/** The account's adaptive send rate; "too frequent" refusals are told to the first internal group. */
function sendThrottle({ env, tenant, directory, store, wording, clock, log }: Shared): SendThrottle {
  const internalGroup = directory.internalGroups()[0]
  return new SendThrottle(
    { perMinute: tenant.outbound.perAccountPerMinute, cooldownMs: env.BATON_THROTTLE_COOLDOWN_MS, reportAfter: env.BATON_THROTTLE_REPORT_AFTER },
    async (info) => {
      if (!internalGroup) return
      await store.transaction((tx) =>
        tx.insertSend(
          { kind: 'notice', caseId: null, groupKey: internalGroup.key, text: say(wording, 'resilience.send_throttled', { refusals: info.refusals, rate: Math.max(1, Math.floor(info.ratePerMinute)) }) },
          clock.now(),
        ),
      )
    },
    log,
  )
}

/** How a failed or uncertain send is named to the team (config/wording). */
function sendNotices(wording: Wording) {
  const caseRef = (caseId: number | null): string => (caseId ? say(wording, 'review.case_ref', { case_id: caseId, customer: '' }).replace(/（）$/, '') : '')
  return {
    failureNotice: (i: { caseId: number | null; group: string; attempts: number; reason: string }): string =>
      say(wording, 'review.send_failed', { case_ref: caseRef(i.caseId), group: i.group, attempts: i.attempts, reason: i.reason }),
    unknownNotice: (i: { sendId: number; caseId: number | null; group: string }): string => say(wording, 'resilience.send_unknown', { send_id: i.sendId, case_ref: caseRef(i.caseId), group: i.group }),
    resentNotice: (text: string): string => say(wording, 'resilience.notice_resent', { text }),
  }
}

/**
 * The bot's steps once PostgreSQL answers: messages a crash left undecided are decided, sends a
 * crash interrupted are settled, and the outbound worker starts sending.
 */
async function startSending(s: Shared, session: WecomSession, throttle: SendThrottle, pipeline: InboundPipeline, stops: Stoppers): Promise<void> {
  const { env, tenant, store, directory, wording, clock, log, telemetry } = s
  await pipeline.decideUnhandled()
  const { failureNotice, unknownNotice, resentNotice } = sendNotices(wording)
  // sends a crash interrupted mid-delivery: confirmed by their echo, or reported, never resent
  const settle = (): void =>
    void settleInDoubtSends({ store, directory, clock, log, failureNotice, unknownNotice, resentNotice }, env.BATON_SEND_IN_DOUBT_AFTER_MS).catch((err: Error) =>
      log.warn({ err: { message: err.message } }, 'settling interrupted sends failed'),
    )
  const settleTimer = setInterval(settle, Math.max(1000, Math.floor(env.BATON_SEND_IN_DOUBT_AFTER_MS / 4)))
  settle()
  stops.add(async () => clearInterval(settleTimer))
  const isThrottled = throttleMatcher(env.BATON_THROTTLE_PATTERNS)
  const queries = sqlRuntimeQueries(s.ds)
  const worker = startOutboundWorker({
    connection: s.connection,
    prefix: env.BATON_QUEUE_PREFIX,
    cfg: tenant.outbound,
    log,
    queueName: s.accounts.ownQueueName,
    throttle,
    isOutage: isDatabaseOutage,
    groupOf: (sendId) => queries.groupOfSend(sendId),
    deliver: async (sendId, final) => {
      const outcome = await deliverSend(
        { store, messenger: session, directory, clock, log, failureNotice, isThrottled, answerWithinMs: env.BATON_SEND_ANSWER_TIMEOUT_MS, account: s.accounts.account.key },
        sendId,
        { final },
      )
      telemetry.sendFinished(outcome)
      return outcome
    },
  })
  stops.add(() => worker.close())
}
