import type { InboundMessage } from '../../src/app/inbound-message.js'

/** The n-th text message of one talker in one room, a second apart: what spool and pipeline tests feed. */
export const inboundText = (n: number): InboundMessage => ({
  wecomId: `m-${n}`,
  roomId: 'r-1@chatroom',
  talkerId: 'wx-a',
  talkerName: '甲',
  self: false,
  type: 'text',
  text: `消息 ${n}`,
  mentionIds: [],
  attachment: null,
  saidAt: new Date(1_764_000_000_000 + n * 1000),
})
