import type { Message } from 'wechaty'
import type { AttachmentMeta, InboundMessage } from '../../app/inbound-message.js'
import { FILE_TYPES, messageTypeOf } from './message-type.js'

/** Reads what we keep of a Wechaty message; never downloads attachment bytes. */
export async function toInbound(msg: Message, opts: { needTopic: boolean }): Promise<InboundMessage> {
  const room = msg.room()
  const talker = msg.talker()
  const type = messageTypeOf(msg.type())
  const [mentionIds, roomTopic, attachment] = await Promise.all([
    room
      ? msg
          .mentionList()
          .then((list) => list.map((c) => c.id))
          .catch(() => [])
      : Promise.resolve([]),
    room && opts.needTopic ? room.topic().catch(() => undefined) : Promise.resolve(undefined),
    FILE_TYPES.has(type) ? describeAttachment(msg) : Promise.resolve(null),
  ])
  return {
    wecomId: msg.id,
    roomId: room?.id ?? null,
    ...(roomTopic !== undefined ? { roomTopic } : {}),
    talkerId: talker.id,
    talkerName: talker.name(),
    self: msg.self(),
    type,
    text: msg.text() ?? '',
    mentionIds,
    attachment,
    saidAt: saidAtOf(msg),
  }
}

/**
 * The puppet's timestamp, or the moment the message reached us when the puppet sent none or
 * nonsense (an Invalid Date would make PostgreSQL refuse the row and the message be lost).
 */
function saidAtOf(msg: Message): Date {
  const at = msg.date()
  return Number.isNaN(at.getTime()) ? new Date() : at
}

async function describeAttachment(msg: Message): Promise<AttachmentMeta> {
  try {
    const box = await msg.toFileBox()
    const meta: AttachmentMeta = { name: box.name }
    if (box.mediaType) meta.mediaType = box.mediaType
    if (box.size >= 0) meta.size = box.size
    return meta
  } catch {
    // Some puppets cannot describe every file; the type alone is still worth keeping.
    return {}
  }
}
