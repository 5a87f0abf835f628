import type { Channel, MessageType, TalkerRole } from '../domain/types.js'

/** Attachment facts kept with a message (never the bytes). */
export interface AttachmentMeta {
  name?: string
  mediaType?: string
  size?: number
}

/** A message as the WeCom adapter hands it to the app: transport-neutral. */
export interface InboundMessage {
  wecomId: string
  /** null for a direct chat with the bot */
  roomId: string | null
  roomTopic?: string
  talkerId: string
  talkerName: string
  /** said by the bot's own account */
  self: boolean
  type: MessageType
  text: string
  mentionIds: string[]
  attachment: AttachmentMeta | null
  saidAt: Date
  /** when this process received the event (replay detection); not stored */
  receivedAt?: Date
  /** arrival order within this process, for messages received in the same millisecond */
  receivedSeq?: number
}

/** A message as stored, with what the directory knows about where and who. */
export interface RecordedMessage extends InboundMessage {
  id: number
  groupKey: string | null
  channel: Channel
  talkerRole: TalkerRole
  direction: 'inbound' | 'outbound'
  /** the WeCom account whose bot recorded it (a direct reply goes back through it) */
  accountKey?: string
}
