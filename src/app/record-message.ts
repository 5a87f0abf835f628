import type { Directory } from './directory.js'
import type { InboundMessage, RecordedMessage } from './inbound-message.js'
import type { Logger, MessageStore, Telemetry } from './ports.js'
import { isLateArrival } from '../domain/resilience/replay-rule.js'
import { storableText } from '../domain/storable-text.js'
import { crossAccountMessageId } from '../domain/accounts.js'

export type RecordOutcome = { kind: 'ignored'; reason: 'unknown_group' | 'other_account' } | { kind: 'duplicate' } | { kind: 'recorded'; message: RecordedMessage }

export interface RecordDeps {
  store: MessageStore
  directory: Directory
  log: Logger
  telemetry: Telemetry
  /** content window for replays with re-issued ids (see domain/resilience/replay-rule.ts); 0 = off */
  duplicateWindowMs?: number
  /** contacts and their event log (growth); told of each stored message without being awaited */
  contacts?: { note(msg: RecordedMessage): void }
  /** the WeCom account this bot process serves: a group it does not sit in is not its to record */
  account?: string
}

/**
 * Stores a message once, before anything acts on it. Messages of unwatched groups are counted
 * and dropped; the bot's own messages are stored as outbound.
 */
export async function recordMessage(deps: RecordDeps, msg: InboundMessage): Promise<RecordOutcome> {
  const group = msg.roomId ? deps.directory.groupForRoom(msg.roomId, msg.roomTopic) : undefined
  if (msg.roomId && !group) {
    deps.telemetry.inboundIgnored('unknown_group')
    deps.log.debug({ messageId: msg.wecomId, roomId: msg.roomId }, 'message from an unwatched group ignored')
    return { kind: 'ignored', reason: 'unknown_group' }
  }
  const accounts = group ? deps.directory.accountsIn(group.key) : []
  if (group && deps.account !== undefined && !accounts.includes(deps.account)) {
    deps.telemetry.inboundIgnored('other_account')
    deps.log.debug({ messageId: msg.wecomId, group: group.key, account: deps.account }, 'message of a group this account is not declared in ignored')
    return { kind: 'ignored', reason: 'other_account' }
  }
  const channel = group ? group.kind : 'direct'
  const { receivedAt, receivedSeq: _seq, ...said } = msg
  // another of the tenant's accounts speaking is Baton too, never a customer or a partner
  const self = msg.self || deps.directory.isAccountId(msg.talkerId)
  const record: Omit<RecordedMessage, 'id'> = {
    ...said,
    // a group with several accounts hears each message once per account, under ids each puppet
    // gives its own: stored under one id made of what was said, so it is recorded and decided once
    wecomId:
      group && accounts.length > 1
        ? crossAccountMessageId({ groupKey: group.key, talkerId: msg.talkerId, type: msg.type, text: msg.text, attachmentName: msg.attachment?.name, saidAt: msg.saidAt })
        : msg.wecomId,
    self,
    // what PostgreSQL holds (jsonb evidence refuses NUL and lone surrogates): deciding carries it on
    text: storableText(said.text),
    groupKey: group?.key ?? null,
    channel,
    talkerRole: self ? 'bot' : deps.directory.talkerRole(msg.talkerId, channel),
    direction: self ? 'outbound' : 'inbound',
    ...(deps.account !== undefined ? { accountKey: deps.account } : {}),
  }
  const window = deps.duplicateWindowMs ?? 0
  const late = receivedAt !== undefined && isLateArrival(msg.saidAt, receivedAt, window)
  const id = await deps.store.insert(record, late ? { replayWindowMs: window } : undefined)
  if (id === null) {
    deps.telemetry.inboundDuplicate()
    deps.log.debug({ messageId: msg.wecomId }, 'duplicate message ignored')
    return { kind: 'duplicate' }
  }
  deps.telemetry.inboundRecorded(channel)
  deps.log.info(
    { messageId: msg.wecomId, id, group: record.groupKey, talker: msg.talkerId, role: record.talkerRole, type: msg.type },
    record.direction === 'outbound' ? 'outbound message recorded' : 'message recorded',
  )
  const message = { ...record, id }
  deps.contacts?.note(message)
  return { kind: 'recorded', message }
}
