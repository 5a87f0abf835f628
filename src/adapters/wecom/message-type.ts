import { types as PuppetTypes } from 'wechaty-puppet'
import type { MessageType } from '../../domain/types.js'

const BY_WECHATY_TYPE: Partial<Record<PuppetTypes.Message, MessageType>> = {
  [PuppetTypes.Message.Text]: 'text',
  [PuppetTypes.Message.Image]: 'image',
  [PuppetTypes.Message.Attachment]: 'file',
  [PuppetTypes.Message.Audio]: 'voice',
  [PuppetTypes.Message.Video]: 'video',
  [PuppetTypes.Message.Emoticon]: 'emoticon',
  [PuppetTypes.Message.Url]: 'url',
  [PuppetTypes.Message.MiniProgram]: 'mini_program',
  [PuppetTypes.Message.Contact]: 'contact_card',
  [PuppetTypes.Message.Location]: 'location',
  [PuppetTypes.Message.Recalled]: 'recalled',
  [PuppetTypes.Message.Post]: 'text',
  [PuppetTypes.Message.GroupNote]: 'system',
  [PuppetTypes.Message.ChatHistory]: 'file',
}

/** Maps Wechaty's numeric message type to ours; anything new is kept as `unknown`. */
export function messageTypeOf(t: PuppetTypes.Message): MessageType {
  return BY_WECHATY_TYPE[t] ?? 'unknown'
}

/** Types that carry a file we describe (name, media type, size) in the record. */
export const FILE_TYPES: ReadonlySet<MessageType> = new Set(['image', 'file', 'voice', 'video', 'emoticon'])
