import type { BenchWorld } from './tenant.js'

/** One message a simulated person says through the gateway. */
export interface SayItem {
  as: string
  group: string
  text?: string
  image?: string
  mentions?: string[]
  kind: MessageKind
}

export type MessageKind = 'partner_request' | 'customer_reply' | 'customer_image' | 'progress_question' | 'chatter' | 'internal_note' | 'public_question'

/** mulberry32: a tiny seeded PRNG, so every run pushes the same messages. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PARTNER_REQUESTS = [
  (o: string) => `${o} 麻烦让客户上传一下空调安装位置的照片`,
  (o: string) => `${o} 师傅明天上午上门，请客户确认家里有人`,
  (o: string, n: string) => `${n}的订单${o}，需要客户补充一下购买发票`,
  (o: string, n: string) => `请协调${n}这边，${o} 安装需要提前清空阳台`,
  (o: string) => `订单${o}的配件已到，麻烦客户约一下上门时间`,
]
const CUSTOMER_REPLIES = ['好的，我下午拍照发过来', '已经弄好了', '照片已经发了，你们看一下', '明天上午家里有人的', '我让我爱人在家等师傅', '发票找到了，晚点拍给你们', '好了']
const PROGRESS = [(o: string) => `我的订单${o}现在到哪一步了？`, () => '请问师傅什么时候能上门？', () => '怎么还没有人联系我', (o: string) => `${o} 处理得怎么样了`]
const CHATTER = ['谢谢', '收到', '好的👌', '[微笑]', '辛苦了', '在吗', '嗯嗯', '好的，麻烦了']
const INTERNAL = [(o: string) => `${o} 这个客户比较着急，麻烦跟进一下`, () => '下午的排班我调整好了', (o: string) => `${o} 师傅反馈客户电话打不通`]
const PUBLIC = ['请问安装费怎么收？', '周末可以上门吗', '大家的空调清洗多久做一次？']

const WEIGHTS: Array<[MessageKind, number]> = [
  ['partner_request', 10],
  ['customer_reply', 22],
  ['customer_image', 13],
  ['progress_question', 15],
  ['chatter', 30],
  ['internal_note', 6],
  ['public_question', 4],
]
const TOTAL_WEIGHT = WEIGHTS.reduce((s, [, w]) => s + w, 0)

/**
 * Realistic, deterministic traffic: partner requests naming an order, customer replies with and
 * without photos, progress questions, chatter, internal notes with @mentions, public questions.
 */
export function generateMessages(world: BenchWorld, n: number, seed: number): SayItem[] {
  const rnd = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const out: SayItem[] = []
  for (let i = 0; i < n; i++) {
    let r = rnd() * TOTAL_WEIGHT
    let kind: MessageKind = 'chatter'
    for (const [k, w] of WEIGHTS) {
      if ((r -= w) < 0) {
        kind = k
        break
      }
    }
    const c = pick(world.customers)
    const order = pick(c.orders)
    switch (kind) {
      case 'partner_request': {
        const p = world.partners.find((x) => x.key === c.partner)!
        out.push({ kind, as: pick(p.staff), group: p.group, text: pick(PARTNER_REQUESTS)(order, c.name) })
        break
      }
      case 'customer_reply':
        out.push({ kind, as: c.contact, group: c.group, text: pick(CUSTOMER_REPLIES) })
        break
      case 'customer_image':
        out.push({ kind, as: c.contact, group: c.group, image: `IMG_${20261100 + (i % 30)}_${i}.jpg` })
        break
      case 'progress_question':
        out.push({ kind, as: c.contact, group: c.group, text: pick(PROGRESS)(order) })
        break
      case 'chatter':
        out.push({ kind, as: c.contact, group: c.group, text: pick(CHATTER) })
        break
      case 'internal_note': {
        const h = pick(world.handlers)
        const other = pick(world.handlers.filter((x) => x !== h))
        out.push({ kind, as: h.id, group: world.internalGroup, text: `@${other.name} ${pick(INTERNAL)(order)}`, mentions: [other.id] })
        break
      }
      case 'public_question':
        out.push({ kind, as: c.contact, group: world.publicGroup, text: pick(PUBLIC) })
        break
    }
  }
  return out
}

/** One message from every person in each group they talk in: loads every contact and room payload before measuring. */
export function warmupItems(world: BenchWorld): SayItem[] {
  return [
    ...world.customers.map((c): SayItem => ({ kind: 'chatter', as: c.contact, group: c.group, text: '在吗' })),
    ...world.customers.slice(0, 20).map((c): SayItem => ({ kind: 'public_question', as: c.contact, group: world.publicGroup, text: '大家好' })),
    ...world.partners.flatMap((p) => p.staff.map((s): SayItem => ({ kind: 'chatter', as: s, group: p.group, text: '收到' }))),
    ...world.handlers.map((h, i): SayItem => ({
      kind: 'internal_note',
      as: h.id,
      group: world.internalGroup,
      text: `@${world.handlers[(i + 1) % world.handlers.length]!.name} 早`,
      mentions: [world.handlers[(i + 1) % world.handlers.length]!.id],
    })),
  ]
}
