import type pg from 'pg'
import type { SaidMessage } from './gateway-control.js'

/** Where the load says its messages: one gateway, or a router over several accounts' gateways. */
export interface Mouth {
  say(msg: SaidMessage): void
}

interface Voice {
  talkerId: string
  roomId: string
  texts: readonly string[]
}

const ZHANG: Voice = { talkerId: 'wx-zhang', roomId: 'r-cust-zhang@chatroom', texts: ['好的，我晚点看看', '收到', '谢谢你们', '我问一下家里人', '今天有点忙，明天再说'] }
const ZHAO: Voice = { talkerId: 'wx-zhao', roomId: 'r-cust-zhao@chatroom', texts: ['好的', '我在外面，回去弄', '知道了，谢谢', '稍等一下'] }
const MEMBERS: Voice = { talkerId: 'wx-zhao', roomId: 'r-members@chatroom', texts: ['大家好', '今天天气不错', '有人用过这个吗'] }
const INTERNAL: Voice = { talkerId: 'wx-handler-chen', roomId: 'r-internal@chatroom', texts: ['我来跟进一下', '这个客户下午回电话', '记一下，晚点处理'] }
const PARTNER_CHAT: Voice = { talkerId: 'wx-partner-li', roomId: 'r-partner-anxin@chatroom', texts: ['收到，我安排一下', '今天师傅排满了'] }
const PARTNER_REQUESTS = ['DD20261101001 麻烦让客户上传一下空调安装位置的照片', 'DD20261102007 麻烦客户补一下发票照片']
const PROGRESS = { talkerId: 'wx-zhang', roomId: 'r-cust-zhang@chatroom', text: '师傅大概什么时候到？' }

/** One cycle of 20 messages: chatter in every group, a partner request, a progress question, an approval. */
const CYCLE = [
  'request',
  'zhang',
  'zhao',
  'members',
  'zhang',
  'zhao',
  'internal',
  'zhang',
  'zhao',
  'members',
  'progress',
  'zhao',
  'internal',
  'zhang',
  'zhao',
  'members',
  'zhang',
  'partner',
  'approve',
  'zhao',
] as const

/** digits → letters, so the tag that makes each text unique is never read as an id or a number */
const letters = (n: number) => String(n).replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!)

/**
 * A steady, modest message load said in the groups through the gateway. Every text carries a
 * unique tag so the audit can count it; handlers approve pending drafts with `/approve <id>`
 * (looked up in the database, skipped while it is down).
 */
export class Load {
  private seq = 0
  private timer: NodeJS.Timeout | null = null
  private readonly approvedIds = new Set<string>()
  private lookingUp = false

  constructor(
    private readonly gw: Mouth,
    private readonly db: pg.Pool,
    private readonly runTag: string,
  ) {}

  start(perSecond: number): void {
    this.timer ??= setInterval(() => this.tick(), Math.round(1000 / perSecond))
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private tick(): void {
    const n = this.seq++
    const tag = `〔${this.runTag}${letters(n)}〕`
    const say = (talkerId: string, roomId: string, text: string) => this.gw.say({ id: `fm-${this.runTag}-${n}`, talkerId, roomId, text, at: Date.now() })
    const chat = (v: Voice) => say(v.talkerId, v.roomId, `${v.texts[n % v.texts.length]}${tag}`)
    const slot = CYCLE[n % CYCLE.length]!
    switch (slot) {
      case 'request':
        return say('wx-partner-li', 'r-partner-anxin@chatroom', `${PARTNER_REQUESTS[Math.floor(n / CYCLE.length) % 2]}${tag}`)
      case 'progress':
        return say(PROGRESS.talkerId, PROGRESS.roomId, `${PROGRESS.text}${tag}`)
      case 'zhang':
        return chat(ZHANG)
      case 'zhao':
        return chat(ZHAO)
      case 'members':
        return chat(MEMBERS)
      case 'internal':
        return chat(INTERNAL)
      case 'partner':
        return chat(PARTNER_CHAT)
      case 'approve':
        return void this.approveOne(say)
    }
  }

  private async approveOne(say: (talkerId: string, roomId: string, text: string) => void): Promise<void> {
    if (this.lookingUp) return
    this.lookingUp = true
    try {
      const rows = (await this.db.query<{ id: string }>(`SELECT id FROM drafts WHERE status = 'pending' AND NOT (id::text = ANY($1)) ORDER BY id LIMIT 1`, [[...this.approvedIds]])).rows
      const id = rows[0]?.id
      if (id === undefined) return
      this.approvedIds.add(id)
      say('wx-handler-wang', 'r-internal@chatroom', `/approve ${id}`)
    } catch {
      // the database is down (a fault in progress): approve later
    } finally {
      this.lookingUp = false
    }
  }
}
