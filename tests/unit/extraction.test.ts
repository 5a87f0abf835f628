import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadCatalogue } from '../../src/config/catalogue-schema.js'
import { loadLexicon } from '../../src/config/lexicon-schema.js'
import { extractAppointmentWindow, compareWindow } from '../../src/domain/understanding/appointment-window.js'
import { findAddress, findIdNumbers, findPhones, looksLikeAddress } from '../../src/domain/understanding/contact-details.js'
import { canonicalOrderNo, DEFAULT_ORDER_PATTERNS, findOrderRefs, type KnownOrder } from '../../src/domain/understanding/order-refs.js'
import { extractRequestedItems } from '../../src/domain/understanding/requested-items.js'

const KNOWN: readonly KnownOrder[] = [
  { orderNo: 'AJ20261120-8837', customerKey: 'zhang' },
  { orderNo: 'AJ20261118-5521', customerKey: 'zhang' },
  { orderNo: 'SO-7734-2291', customerKey: 'li' },
  { orderNo: '2611045788123391', customerKey: 'wang' },
  { orderNo: 'HX2026-11-0042', customerKey: 'chen' },
]
const opts = { patterns: DEFAULT_ORDER_PATTERNS }
const find = (text: string, known: readonly KnownOrder[] = KNOWN, groupCustomerKeys?: string[]) => findOrderRefs(text, known, { ...opts, ...(groupCustomerKeys ? { groupCustomerKeys } : {}) }).orders

describe('findOrderRefs: known orders, whatever their shape', () => {
  it.each([
    ['订单AJ20261120-8837麻烦看下', 'AJ20261120-8837', 'zhang'],
    ['AJ2026 1118-5521', 'AJ20261118-5521', 'zhang'],
    ['单号 so 7734 2291', 'SO-7734-2291', 'li'],
    ['2611 0457 8812 3391 这单', '2611045788123391', 'wang'],
    ['hx2026110042', 'HX2026-11-0042', 'chen'],
    ['HX2026-11-0042。', 'HX2026-11-0042', 'chen'],
    ['ＡＪ２０２６１１２０－８８３７', 'AJ20261120-8837', 'zhang'],
    ['AJ2026\u200B1120-8837', 'AJ20261120-8837', 'zhang'],
    ['AJ20261120\u2060-88\u200B37', 'AJ20261120-8837', 'zhang'],
    ['order no. AJ20261120-8837, thanks', 'AJ20261120-8837', 'zhang'],
  ])('%s → %s', (text, orderNo, customerKey) => {
    expect(find(text)).toEqual([{ orderNo, customerKey, how: 'literal' }])
  })

  it('finds a quote number written with a # ("Q#4518 那80箱"), and not a case id next to it', () => {
    const known: KnownOrder[] = [{ orderNo: 'Q#4518', customerKey: 'tom' }]
    expect(find('Q#4518 那80箱的库位都留好了', known)).toEqual([{ orderNo: 'Q#4518', customerKey: 'tom', how: 'literal' }])
    expect(find('q＃4518', known)).toEqual([{ orderNo: 'Q#4518', customerKey: 'tom', how: 'literal' }])
    expect(find('案件#4518', known)).toEqual([])
  })

  it('finds a known order written without its leading part ("HS2611-37" for SZ-HS2611-37), unless two orders end alike', () => {
    const known: KnownOrder[] = [
      { orderNo: 'SZ-HS2611-37', customerKey: 'cao' },
      { orderNo: 'BJ-0612-7730', customerKey: 'leung' },
      { orderNo: 'WX-HS2611-37', customerKey: 'lu' },
      { orderNo: 'SZ-JD2611-52', customerKey: 'lu' },
    ]
    expect(find('JD2611-52 精修交了', known)).toEqual([{ orderNo: 'SZ-JD2611-52', customerKey: 'lu', how: 'part' }])
    expect(find('0612 7730那单改周六', known)).toEqual([{ orderNo: 'BJ-0612-7730', customerKey: 'leung', how: 'part' }])
    // two studios' orders end in HS2611-37: the short form names neither
    expect(find('HS2611-37 精修交了', known).map((o) => o.customerKey)).toEqual([null])
    // a letter makes a short tail distinctive ("P061"); digits alone must be long
    expect(find('P061 已发', [...known, { orderNo: 'MJMY2611-P061', customerKey: 'zhong' }])).toEqual([{ orderNo: 'MJMY2611-P061', customerKey: 'zhong', how: 'part' }])
    expect(find('P061 SF1187 2344 0619', [{ orderNo: 'MJMY2611-P061', customerKey: 'zhong' }]).map((o) => o.customerKey)).toContain('zhong')
    // a part joined to more of a number by a dash is the start of another order
    expect(find('SZ-HS2611-375', known).map((o) => o.customerKey)).not.toContain('cao')
    expect(find('52 张交了', known)).toEqual([])
    // the serial between a prefix and a check letter
    expect(find('418827 还车时油不够', [{ orderNo: 'SYR-418827-B', customerKey: 'qiu' }])).toEqual([{ orderNo: 'SYR-418827-B', customerKey: 'qiu', how: 'part' }])
    expect(find('今天7730搬完了', known)).toEqual([])
  })

  it('finds a known order with brackets or a Chinese character inside ("FSQ(2611)0052", "YZ地-1126-3"), and its parts', () => {
    const known: KnownOrder[] = [
      { orderNo: 'FSQ(2611)0052', customerKey: 'he' },
      { orderNo: 'YZ地-1126-3', customerKey: 'zhu' },
      { orderNo: 'TZ修-1129-2', customerKey: 'shen' },
    ]
    expect(find('何伯 FSQ(2611)0052 祖庙旧屋，拆旧厨柜', known)).toEqual([{ orderNo: 'FSQ(2611)0052', customerKey: 'he', how: 'literal' }])
    expect(find('FSQ（2611）0052 几时装', known)).toEqual([{ orderNo: 'FSQ(2611)0052', customerKey: 'he', how: 'literal' }])
    expect(find('朱老师家 YZ地-1126-3，广陵区文昌花园', known)).toEqual([{ orderNo: 'YZ地-1126-3', customerKey: 'zhu', how: 'literal' }])
    expect(find('开售后TZ修-1129-2，儿子在南京', known)).toEqual([{ orderNo: 'TZ修-1129-2', customerKey: 'shen', how: 'literal' }])
    // the chunk after the brackets is the order's serial: "0052仲未确认"
    expect(find('0052仲未确认？', known, ['he']).map((o) => o.orderNo)).toEqual(['FSQ(2611)0052'])
    // a Chinese character only joins a number where a known order has it
    expect(find('YZ地板1126', known)).toEqual([])
  })

  it('does not take a longer number for a known one', () => {
    const found = find('AJ20261120-88371')
    expect(found.map((o) => o.orderNo)).not.toContain('AJ20261120-8837')
    expect(find('XAJ20261120-8837').some((o) => o.customerKey === 'zhang')).toBe(false)
    expect(find('2611 0457 8812 33915').some((o) => o.customerKey === 'wang')).toBe(false)
  })

  it('finds two orders of one customer in one message, in order of mention', () => {
    expect(find('AJ20261118-5521 和 AJ20261120-8837 都没到')).toEqual([
      { orderNo: 'AJ20261118-5521', customerKey: 'zhang', how: 'literal' },
      { orderNo: 'AJ20261120-8837', customerKey: 'zhang', how: 'literal' },
    ])
    expect(find('AJ20261120-8837/SO-7734-2291').map((o) => o.customerKey)).toEqual(['zhang', 'li'])
  })

  it('mentions an order once even when said twice or also by its last four', () => {
    expect(find('AJ20261120-8837，就是8837那单，AJ2026 1120 8837')).toEqual([{ orderNo: 'AJ20261120-8837', customerKey: 'zhang', how: 'literal' }])
  })

  it('leaves an order two customers claim without an owner', () => {
    const dup: KnownOrder[] = [
      { orderNo: 'AB12345678', customerKey: 'a' },
      { orderNo: 'ab-1234-5678', customerKey: 'b' },
    ]
    expect(find('AB12345678', dup)).toEqual([{ orderNo: 'AB12345678', customerKey: null, how: 'literal' }])
  })

  it('canonicalOrderNo drops width, case, separators and invisible characters', () => {
    expect(canonicalOrderNo(' hx2026－11\u200B-0042 ')).toBe('HX2026110042')
  })
})

describe('findOrderRefs: unknown orders by pattern', () => {
  it.each([
    ['新单子 BX20261201-1234', 'BX20261201-1234'],
    ['KL2026 1121-7777 到了吗', 'KL20261121-7777'],
    ['PO-5566-7788', 'PO-5566-7788'],
    ['qd2026113377', 'QD2026113377'],
    ['3344 5566 7788 9900', '3344556677889900'],
    ['订单号：556677', '556677'],
    ['order number 99887766', '99887766'],
  ])('%s → %s', (text, orderNo) => {
    expect(find(text)).toEqual([{ orderNo, customerKey: null, how: 'pattern' }])
  })

  it.each([
    ['电话13912345678'],
    ['139 1234 5678'],
    ['+86 139-1234-5678'],
    ['8613912345678'],
    ['身份证110101199003074477'],
    ['11010119900307002X'],
    ['座机0755-12345678'],
    ['2026-11-20 下午3点'],
    ['快递单号 778899'],
    ['工单号 123456'],
    ['order status please'],
    ['SO123 2台'],
  ])('never an order: %s', (text) => {
    expect(find(text)).toEqual([])
  })

  it('joins space-separated groups only when they are long: "SO123456 2台" is not SO1234562', () => {
    expect(find('SO123456 2台').map((o) => o.orderNo)).toEqual(['SO123456'])
  })

  it('keeps its guarantees with the lexicon patterns added, as understand-message combines them', () => {
    const lexicon = loadLexicon(join(process.cwd(), 'config/lexicon.yaml')).patterns.orderNumber.map((s) => new RegExp(s, 'giu'))
    const both = { patterns: [...DEFAULT_ORDER_PATTERNS, ...lexicon] }
    expect(findOrderRefs('订单号13912345678', KNOWN, both).orders).toEqual([])
    expect(findOrderRefs('AJ20261120-88371', KNOWN, both).orders).toEqual([{ orderNo: 'AJ20261120-88371', customerKey: null, how: 'pattern' }])
    expect(findOrderRefs('AJ2026 1120-8837', KNOWN, both).orders).toEqual([{ orderNo: 'AJ20261120-8837', customerKey: 'zhang', how: 'literal' }])
  })

  it('runs configured patterns, with or without the global flag', () => {
    const tenant = [/\bJD(\d{9})\b/i]
    expect(findOrderRefs('jd123456789 到了吗', [], { patterns: tenant }).orders).toEqual([{ orderNo: '123456789', customerKey: null, how: 'pattern' }])
    expect(findOrderRefs('AJ20261120-8837', KNOWN, { patterns: [] }).orders).toHaveLength(1)
    expect(findOrderRefs('BX20261201-1234', KNOWN, { patterns: [] }).orders).toEqual([])
  })
})

describe('findOrderRefs: last-four references', () => {
  it.each([
    ['8837那单怎么样了', 'AJ20261120-8837'],
    ['尾号8837的单', 'AJ20261120-8837'],
    ['后四位8837', 'AJ20261120-8837'],
    ['ending 3391', '2611045788123391'],
    ['the one ends in 3391', '2611045788123391'],
    ['3391嗰張單', '2611045788123391'],
    ['0042那个单', 'HX2026-11-0042'],
    ['0042那个', 'HX2026-11-0042'],
    ['5521的订单', 'AJ20261118-5521'],
  ])('%s → %s', (text, orderNo) => {
    expect(find(text)).toEqual([{ orderNo, customerKey: KNOWN.find((k) => k.orderNo === orderNo)!.customerKey, how: 'last_four' }])
  })

  const twoCustomers: KnownOrder[] = [
    { orderNo: 'AJ20261120-8837', customerKey: 'zhang' },
    { orderNo: 'SO-2026-8837', customerKey: 'li' },
  ]

  it('resolves nothing when two customers have an order ending alike', () => {
    expect(find('8837那单', twoCustomers)).toEqual([])
  })

  it("prefers the group's customers, then falls back to everybody", () => {
    expect(find('8837那单', twoCustomers, ['li'])).toEqual([{ orderNo: 'SO-2026-8837', customerKey: 'li', how: 'last_four' }])
    expect(find('8837那单', twoCustomers, ['zhao'])).toEqual([])
    expect(find('3391那单', KNOWN, ['zhang'])).toEqual([{ orderNo: '2611045788123391', customerKey: 'wang', how: 'last_four' }])
  })

  it('reads a shipment or a piece by its last four (5190那票, 6024那件)', () => {
    const known: KnownOrder[] = [
      { orderNo: 'SY771204385190', customerKey: 'zhou' },
      { orderNo: 'SY771204386024', customerKey: 'qian' },
    ]
    expect(find('5190那票到了没', known)).toEqual([{ orderNo: 'SY771204385190', customerKey: 'zhou', how: 'last_four' }])
    expect(find('6024这件破了', known)).toEqual([{ orderNo: 'SY771204386024', customerKey: 'qian', how: 'last_four' }])
  })

  it('reads four digits that open a message as a last-four reference, but not a year, a time or a sum', () => {
    const known: KnownOrder[] = [
      { orderNo: 'TN-YC-26-0417', customerKey: 'tan' },
      { orderNo: 'OT26LZ-1130', customerKey: 'mo' },
    ]
    expect(find('0417 礼拜六上午我排不开', known)).toEqual([{ orderNo: 'TN-YC-26-0417', customerKey: 'tan', how: 'last_four' }])
    expect(find('1130换货急送我接了', known)).toEqual([{ orderNo: 'OT26LZ-1130', customerKey: 'mo', how: 'last_four' }])
    expect(find('1130到', known)).toEqual([])
    expect(find('1130前送到', known)).toEqual([])
    expect(find('周六 0417 排不开', known)).toEqual([])
  })

  it('reads the serial of a known order (the chunk after its last dash) where crews write it', () => {
    const known: KnownOrder[] = [
      { orderNo: 'CQR261104-B11', customerKey: 'xiang' },
      { orderNo: 'GSZY-S26-00187', customerKey: 'yang' },
      { orderNo: 'SC261104-ZT07', customerKey: 'liang' },
      { orderNo: 'NT(26)DZ-0152', customerKey: 'ji' },
    ]
    const serial = (orderNo: string, customerKey: string) => [{ orderNo, customerKey, how: 'serial' }]
    expect(find('B11 周三上午九点半到', known)).toEqual(serial('CQR261104-B11', 'xiang'))
    expect(find('187在路边，开始拆割台', known)).toEqual(serial('GSZY-S26-00187', 'yang'))
    expect(find('00187 的链条换好了', known)).toEqual(serial('GSZY-S26-00187', 'yang'))
    expect(find('梁记嗰个ZT07今日补喷', known)).toEqual(serial('SC261104-ZT07', 'liang'))
    expect(find('如东那个0152注销要清税', known)).toEqual(serial('NT(26)DZ-0152', 'ji'))
    // a sum, a count, a time, a number inside a sentence or a phone's tail is no serial
    expect(find('187块，明天给', known)).toEqual([])
    expect(find('187个都到了', known)).toEqual([])
    expect(find('明天187到', known)).toEqual([])
    expect(find('读数187', known)).toEqual([])
    expect(find('5521 00187那个', known)).toEqual([])
  })

  it('reads a chunk before the last that tells an order apart as its serial, not one orders share', () => {
    const known: KnownOrder[] = [
      { orderNo: 'EBK-0502-JY26', customerKey: 'lin' },
      { orderNo: 'HD-0321-ST26', customerKey: 'chen' },
      { orderNo: 'EBK-0388-ST26', customerKey: 'cai' },
      { orderNo: 'WX-2026-1120-07', customerKey: 'wu' },
      { orderNo: 'WX-2026-1120-08', customerKey: 'he' },
    ]
    const serial = (orderNo: string, customerKey: string) => [{ orderNo, customerKey, how: 'serial' }]
    expect(find('揭阳0502那台装后轮护网', known)).toEqual(serial('EBK-0502-JY26', 'lin'))
    expect(find('0321 那块电池先别动', known)).toEqual(serial('HD-0321-ST26', 'chen'))
    expect(find('388那台刹车调好了', known)).toEqual(serial('EBK-0388-ST26', 'cai'))
    // the region code, a year and a date two orders share name no order
    expect(find('ST26 那台到了', known)).toEqual([])
    expect(find('2026 那单', known)).toEqual([])
    expect(find('1120那单', known)).toEqual([])
  })

  it('does not resolve when two orders of the group end alike', () => {
    const same: KnownOrder[] = [...twoCustomers, { orderNo: 'AJ20261001-8837', customerKey: 'zhang' }]
    expect(find('8837那单', same, ['zhang'])).toEqual([])
  })

  it('never takes the tail of a phone number for an order', () => {
    expect(find('电话13912348837')).toEqual([])
    expect(find('139 1234 8837那个')).toEqual([])
    expect(find('1391234-8837那单')).toEqual([])
    expect(find('88371那单')).toEqual([])
  })

  it('needs a word that makes four digits a reference', () => {
    expect(find('8837')).toEqual([])
    expect(find('一共8837元')).toEqual([])
  })
})

describe('findOrderRefs: properties and cost', () => {
  const separators = fc.constantFrom(' ', '-', '\u200B', '\u2060', '\u200D', '\uFEFF', '  ', ' - ', '_', '.', '\u00AD')
  const orderNo = fc.tuple(fc.stringMatching(/^[A-Z]{0,3}$/), fc.stringMatching(/^[0-9]{6,14}$/)).map(([a, d]) => a + d)

  it('finds a known order whatever separators or invisible characters sit inside it', () => {
    fc.assert(
      fc.property(orderNo, fc.array(fc.tuple(fc.nat(), separators), { maxLength: 5 }), fc.boolean(), (no, inserts, lower) => {
        const chars = no.split('')
        for (const [at, sep] of inserts) chars.splice(1 + (at % no.length), 0, sep)
        const written = lower ? chars.join('').toLowerCase() : chars.join('')
        const known: KnownOrder[] = [
          { orderNo: no, customerKey: 'k' },
          { orderNo: 'ZZ99999999', customerKey: 'other' },
        ]
        const found = findOrderRefs(`麻烦查一下${written}，谢谢`, known, opts).orders
        expect(found).toContainEqual({ orderNo: no, customerKey: 'k', how: 'literal' })
      }),
      { numRuns: 300 },
    )
  })

  it('costs microseconds per message for 1,000 known orders', () => {
    const many: KnownOrder[] = Array.from({ length: 1000 }, (_, i) => ({ orderNo: `AJ2026${String(i).padStart(4, '0')}-${String(1000 + i)}`, customerKey: `c${i % 180}` }))
    const text = '你好，AJ20260417-1417 这单和 SO-7734-2291 还有 1417那单，明天上午9点到11点可以吗 order no. 556677 please check the invoice'
    findOrderRefs(text, many, opts) // warm the per-list cache
    const runs = 2000
    const t0 = performance.now()
    for (let i = 0; i < runs; i++) findOrderRefs(text, many, opts)
    const perMessageMs = (performance.now() - t0) / runs
    expect(findOrderRefs(text, many, opts).orders[0]).toEqual({ orderNo: 'AJ20260417-1417', customerKey: 'c57', how: 'literal' })
    expect(perMessageMs).toBeLessThan(0.5)
  })
})

// ---------------------------------------------------------------------------------------------

const catalogue = loadCatalogue(join(process.cwd(), 'config/understanding/catalogue.yaml'))
const keys = (text: string): string[] => extractRequestedItems(text, catalogue).items.map((i) => i.key)

describe('catalogue', () => {
  it('has realistic items and never an ID number', () => {
    expect(catalogue.items.length).toBeGreaterThanOrEqual(20)
    const all = catalogue.items.flatMap((i) => [i.label, ...i.synonyms]).join(' ')
    expect(all).not.toMatch(/身份证|证件号|id number|id card/i)
  })

  it('a broken file fails naming the file and the place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalogue-'))
    const bad = join(dir, 'catalogue.yaml')
    writeFileSync(bad, 'items:\n  - key: invoice\n    label: 发票\n    synonyms: [发票]\n    kind: picture\n  - key: receipt\n    label: 小票\n    synonyms: [发票]\n    kind: photo\n')
    expect(() => loadCatalogue(bad)).toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: items\\[0\\]\\.kind`))
    // cross-item checks run once every item is well-formed
    writeFileSync(bad, 'items:\n  - key: invoice\n    label: 发票\n    synonyms: [发票]\n    kind: photo\n  - key: receipt\n    label: 小票\n    synonyms: [发票]\n    kind: photo\n')
    expect(() => loadCatalogue(bad)).toThrow(/items\[1\]\.synonyms\[0\] — a synonym of one item only; "发票" is also a synonym of invoice/)
    writeFileSync(bad, 'items: [unclosed')
    expect(() => loadCatalogue(bad)).toThrow(bad)
    expect(() => loadCatalogue(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml/)
  })
})

describe('extractRequestedItems', () => {
  it('asks for what the partner asked for, not the default list', () => {
    const r = extractRequestedItems('麻烦让客户补拍一下发票照片和故障视频', catalogue)
    expect(r.items).toEqual([
      { key: 'invoice', label: '购买发票或凭证的照片' },
      { key: 'fault_video', label: '故障现象的视频' },
    ])
    expect(r.unlisted).toEqual([])
  })

  it.each([
    ['秦女士家铭牌看了两台，格力的，先跟客户说清楚'],
    ['条码查到了，这批灯板有个别虚焊的，直接换灯板'],
    ['角阀是客户家的老东西锈死的，换角阀的钱跟他们收'],
    ['到罗先生楼下了，纸箱一个角压瘪了'],
    ['排水管也顺带加了个防虹吸弯，这个不收钱'],
  ])('names nothing asked for in a clause that only reports: %s', (text) => {
    expect(extractRequestedItems(text, catalogue).items).toEqual([])
  })

  it('keeps what a list or the next clause asks for', () => {
    const keys = (text: string) => extractRequestedItems(text, catalogue).items.map((i) => i.key)
    expect(keys('要这几样：发票，保修卡')).toEqual(['invoice', 'warranty_card'])
    expect(keys('铭牌和插座，拍一下发过来')).toEqual(['nameplate', 'socket_photo'])
    expect(keys('让客户先拍一下那个插座，还有配电箱里头的开关')).toEqual(['socket_photo', 'power_switch'])
    expect(keys('老楼没电梯吧？让客户说下几楼')).toEqual(['floor_elevator'])
    expect(keys('那边租客得在家，灶台下面柜子清空')).toEqual(['someone_home'])
    expect(keys('明天下午两点到四点过去看，新租客在不在家')).toEqual(['someone_home'])
    expect(keys('插座要三孔带地线的，让家里确认下')).toEqual(['socket_photo'])
    expect(keys('铭牌看了，让客户放心')).toEqual([])
  })

  it('takes no word ending in 发 (沙发, 头发, 出发) for "send"', () => {
    expect(extractRequestedItems('何先生的沙发排在周四上午送，麻烦客户确认一下', catalogue).unlisted).toEqual([])
  })

  it.each([
    ['请客户提供电子发票，再录个视频发过来', ['invoice', 'fault_video']],
    ['让客户拍一下铭牌贴纸，还有外机位置', ['nameplate', 'outdoor_unit_position']],
    ['把保修卡拍一下发过来', ['warranty_card']],
    ['客户需要提前跟物业报备，门岗登记一下车牌', ['property_permit', 'entry_registration']],
    ['请量一下门厚，确认一下总闸和水阀在哪', ['door_thickness', 'power_switch', 'water_valve']],
    ['上门那天家里要留人，方便的话说一下时间段', ['someone_home', 'visit_time']],
    ['Please ask the customer to send the receipt and a photo of the model number', ['invoice', 'nameplate']],
    ['ＲＥＣＥＩＰＴ and VIDEO pls', ['invoice', 'fault_video']],
    ['小票、发票、购物凭证都行', ['invoice']],
  ])('%s → %j', (text, expected) => {
    expect(keys(text)).toEqual(expected)
  })

  it('lets the longest synonym win: 现场联系人 is a contact, not a site photo', () => {
    expect(keys('请提供现场联系人')).toEqual(['contact_on_site'])
  })

  it('English synonyms match whole words only', () => {
    expect(keys('check your inbox')).toEqual([])
  })

  it('reports what matches no item, cleaned for a person to read', () => {
    expect(extractRequestedItems('请客户提供身份证照片和购物小票', catalogue)).toEqual({ items: [{ key: 'invoice', label: '购买发票或凭证的照片' }], unlisted: ['身份证照片'] })
    expect(extractRequestedItems('让王先生拍一下3张灶台的照片发过来', catalogue).unlisted).toEqual(['灶台的照片'])
    expect(extractRequestedItems('Ask the customer to upload the warranty card and the delivery note please', catalogue).unlisted).toEqual(['delivery note'])
  })

  it('does not take other uses of 发 for a request', () => {
    expect(extractRequestedItems('明天发货，发现问题再说', catalogue)).toEqual({ items: [], unlisted: [] })
    // a partner's price is never carried into words for the customer, nor is "发电机" a request to send
    expect(extractRequestedItems('草坪那边只能用发电机，发电机租金八百，新人确认', catalogue).unlisted).toEqual([])
    expect(extractRequestedItems('让客户发一下加急费两百的付款截图', catalogue).unlisted).toEqual([])
    expect(extractRequestedItems('让客户拍一下这款的照片', catalogue).unlisted).toEqual(['这款的照片'])
    // a report is no request: 录 inside 记录, and a space ends a clause in chat, so the partner's
    // own account never becomes "something to provide" in a customer's draft
    expect(extractRequestedItems('冷机一路开格 温度记录都有 鲳鱼化冻是伊拉后门口晒太阳晒了半个钟头', catalogue).unlisted).toEqual([])
    expect(extractRequestedItems('让客户提供一下购买时候商场开的那张手写的收据和保修单的复印件', catalogue).unlisted).toEqual([])
    expect(extractRequestedItems('please send us a photo of the box and the delivery note', catalogue).unlisted).toEqual(['delivery note'])
  })
})

// ---------------------------------------------------------------------------------------------

// Thursday 2026-11-19 10:00 in Shanghai
const NOW = new Date('2026-11-19T02:00:00Z')
const TZ = 'Asia/Shanghai'
const win = (text: string, now = NOW, tz = TZ) => extractAppointmentWindow(text, now, tz)

describe('extractAppointmentWindow', () => {
  it.each([
    ['明天上午9点到11点', '2026-11-20T09:00:00+08:00', '2026-11-20T11:00:00+08:00', '明天上午9点到11点'],
    ['师傅周二上午9点到12点来', '2026-11-24T09:00:00+08:00', '2026-11-24T12:00:00+08:00', '周二上午9点到12点'],
    ['下周六上午', '2026-11-28T09:00:00+08:00', '2026-11-28T12:00:00+08:00', '下周六上午'],
    ['下午4点以后都行', '2026-11-19T16:00:00+08:00', '2026-11-19T18:00:00+08:00', '下午4点以后'],
    ['明天下午2点', '2026-11-20T14:00:00+08:00', '2026-11-20T16:00:00+08:00', '明天下午2点'],
    ['今晚八点', '2026-11-19T20:00:00+08:00', '2026-11-19T22:00:00+08:00', '今晚八点'],
    ['后天', '2026-11-21T09:00:00+08:00', '2026-11-21T21:00:00+08:00', '后天'],
    ['3点前', '2026-11-19T09:00:00+08:00', '2026-11-19T15:00:00+08:00', '3点前'],
    ['10点15左右', '2026-11-19T09:45:00+08:00', '2026-11-19T10:45:00+08:00', '10点15左右'],
    ['Tue 9-12', '2026-11-24T09:00:00+08:00', '2026-11-24T12:00:00+08:00', 'Tue 9-12'],
    ['after 4pm', '2026-11-19T16:00:00+08:00', '2026-11-19T18:00:00+08:00', 'after 4pm'],
    ['tomorrow morning', '2026-11-20T09:00:00+08:00', '2026-11-20T12:00:00+08:00', 'tomorrow morning'],
    ['11月25日上午10点半', '2026-11-25T10:30:00+08:00', '2026-11-25T12:30:00+08:00', '11月25日上午10点半'],
    ['上午9点到下午3点', '2026-11-19T09:00:00+08:00', '2026-11-19T15:00:00+08:00', '上午9点到下午3点'],
    ['明天 2-5', '2026-11-20T14:00:00+08:00', '2026-11-20T17:00:00+08:00', '明天 2-5'],
    // Chinese-numeral clocks: a range, a well-formed numeral beside a weekday, a lone 九点
    ['好，三点到五点我等你们', '2026-11-19T15:00:00+08:00', '2026-11-19T17:00:00+08:00', '三点到五点'],
    ['礼拜四两点到四点可以', '2026-11-19T14:00:00+08:00', '2026-11-19T16:00:00+08:00', '礼拜四两点到四点'],
    ['好，九点', '2026-11-19T09:00:00+08:00', '2026-11-19T11:00:00+08:00', '九点'],
    ['下午三点四十五', '2026-11-19T15:45:00+08:00', '2026-11-19T17:45:00+08:00', '下午三点四十五'],
    // Northern Mandarin and Cantonese days and parts of the day
    ['得嘞，明儿上午见', '2026-11-20T09:00:00+08:00', '2026-11-20T12:00:00+08:00', '明儿上午'],
    ['今儿个下午三点', '2026-11-19T15:00:00+08:00', '2026-11-19T17:00:00+08:00', '今儿个下午三点'],
    ['听日下昼得唔得', '2026-11-20T13:00:00+08:00', '2026-11-20T18:00:00+08:00', '听日下昼'],
    ['聽朝十點', '2026-11-20T10:00:00+08:00', '2026-11-20T12:00:00+08:00', '聽朝十點'],
    // traditional characters
    ['週五下午OK', '2026-11-20T13:00:00+08:00', '2026-11-20T18:00:00+08:00', '週五下午'],
    ['下個禮拜三下午', '2026-11-25T13:00:00+08:00', '2026-11-25T18:00:00+08:00', '下個禮拜三下午'],
  ])('%s', (text, start, end, said) => {
    expect(win(text)).toMatchObject({ start, end, text: said })
  })

  it('reads 听日 as tomorrow, but not inside 打听日子', () => {
    expect(win('帮我打听日子')).toBeNull()
    expect(win('听日得唔得')).toMatchObject({ start: '2026-11-20T09:00:00+08:00' })
  })

  it('does not take a count for a clock: 一点, 两点 alone are not times', () => {
    for (const text of ['有一点问题', '我有两点建议', '差一点就好了', '好一点了']) expect(win(text)).toBeNull()
  })

  it('takes a lone 一点/两点 said as a whole clause for a clock', () => {
    expect(win('好，两点')).toMatchObject({ start: '2026-11-19T14:00:00+08:00', text: '两点', clockStated: true })
    expect(win('两点吧')?.text).toBe('两点')
  })

  // now: 2026-11-19 (a Thursday) 10:00 in Shanghai
  it.each([
    ['十四号也行吧', '2026-12-14T09:00:00+08:00', '十四号'],
    ['23号都OK，我24号先派帖', '2026-11-23T09:00:00+08:00', '23号'],
    ['18号俺请假陪俺娘去', '2026-12-18T09:00:00+08:00', '18号'],
    ['王春雨补考就二月三号吧', '2027-02-03T09:00:00+08:00', '二月三号'],
    ['十二月二十八号送到福田支行', '2026-12-28T09:00:00+08:00', '十二月二十八号'],
    ['廿三号上午', '2026-11-23T09:00:00+08:00', '廿三号上午'],
    ['一月十号左右', '2027-01-10T09:00:00+08:00', '一月十号'],
    ['19号下午', '2026-11-19T13:00:00+08:00', '19号下午'],
  ])('a day of the month, in digits or Chinese numerals: %s', (text, start, said) => {
    expect(win(text)).toMatchObject({ start, text: said, dayStated: true })
  })

  it('a day a month lacks is the next month that has it; an impossible date is no date', () => {
    expect(win('31号上午')?.start).toBe('2026-12-31T09:00:00+08:00')
    expect(win('2月30日')).toBeNull()
    expect(win('十三月五号')).toBeNull()
  })

  it.each([['3号房那张床垫有一股味'], ['8号楼1203'], ['换大一号盒子'], ['坐3号线过去'], ['第5号选手'], ['42号的鞋'], ['45号'], ['迟一日就迟一日啦'], ['搞了三日'], ['7日内到货'], ['从3号出口出来']])(
    'a numbered thing or a count of days is not a date: %s',
    (text) => {
      expect(win(text)).toBeNull()
    },
  )

  it('says which parts the message stated', () => {
    expect(win('后天')).toMatchObject({ dayStated: true, timeStated: false })
    expect(win('下午4点以后都行')).toMatchObject({ dayStated: false, timeStated: true })
    expect(win('今晚八点')).toMatchObject({ dayStated: true, timeStated: true, clockStated: true, laterDay: false })
    expect(win('今天天气好')).toMatchObject({ dayStated: true, timeStated: false, clockStated: false, laterDay: false })
    expect(win('晚上请你吃饭')).toMatchObject({ dayStated: false, timeStated: true, clockStated: false, laterDay: false })
    expect(win('周六见')).toMatchObject({ clockStated: false, laterDay: true })
    expect(win('明早')).toMatchObject({ clockStated: false, laterDay: true })
  })

  it('a time repeats a known window when every part it states agrees and none is narrower', () => {
    const agreed = { start: '2026-11-21T13:00:00+08:00', end: '2026-11-21T18:00:00+08:00' }
    const fits = (text: string) => compareWindow(agreed, win(text)!)
    expect(fits('后天下午')).toBe('repeats')
    expect(fits('后天')).toBe('repeats')
    // said without a day: today's, or tomorrow's once today's is over
    const evening = new Date('2026-11-20T12:00:00Z')
    expect(compareWindow(agreed, win('下午我在', evening)!)).toBe('repeats')
    expect(compareWindow(agreed, win('下午我在', new Date('2026-11-20T02:00:00Z'))!)).toBe('differs')
    expect(fits('11月21日下午')).toBe('repeats')
    expect(compareWindow(agreed, win('下午3点我在', evening)!)).toBe('overlaps')
    expect(fits('11月21日下午两点')).toBe('overlaps')
    expect(fits('后天上午')).toBe('differs')
    expect(fits('明天下午')).toBe('differs')
    expect(compareWindow(agreed, win('晚上8点', evening)!)).toBe('differs')
  })

  it('takes a time already over today for tomorrow', () => {
    expect(win('早上8点')?.start).toBe('2026-11-20T08:00:00+08:00')
  })

  it('skips a time the customer rules out', () => {
    expect(win('今天上午没空，下午4点以后可以')?.text).toBe('下午4点以后')
  })

  it('skips a time a crew rules out, and the time after it keeps its day', () => {
    // Thursday 2026-11-19: 周三 is the 25th, 周日 the 22nd
    expect(win('周三上午排满了，周三下午3点行不行')).toMatchObject({ start: '2026-11-25T15:00:00+08:00', text: '周三下午3点' })
    expect(win('今晚来不了，明天晚上8点，让租客在家')).toMatchObject({ start: '2026-11-20T20:00:00+08:00', text: '明天晚上8点' })
    expect(win('周日下午1点那个来不了了，前一单拖了，改3点到5点')).toMatchObject({ start: '2026-11-22T15:00:00+08:00', end: '2026-11-22T17:00:00+08:00', changedTo: true })
    expect(win('明天上午家里没人，下午有人')).toMatchObject({ start: '2026-11-20T13:00:00+08:00', dayStated: true })
    expect(win('今晚来不了')).toBeNull()
  })

  it.each([['泡一晚上不至于'], ['等了一上午了'], ['干了整个下午'], ['忙了大半个下午'], ['两个晚上没睡好']])('how long is not when: %s', (text) => {
    expect(win(text)).toBeNull()
  })

  it('still reads a weekday before the part of the day as the day', () => {
    expect(win('周四上午没空 周五上午吧')?.text).toBe('周五上午')
    expect(win('礼拜一下午')?.start).toBe('2026-11-23T13:00:00+08:00')
  })

  it('uses the tenant time zone, not the machine', () => {
    expect(win('明天上午', NOW, 'Europe/London')).toMatchObject({ start: '2026-11-20T09:00:00+00:00', end: '2026-11-20T12:00:00+00:00', text: '明天上午' })
    // 23:30 in Shanghai is still the 19th in London: "tomorrow" differs
    const late = new Date('2026-11-19T15:30:00Z')
    expect(win('明天上午', late)?.start).toBe('2026-11-20T09:00:00+08:00')
    expect(win('明天上午', late, 'Europe/London')?.start).toBe('2026-11-20T09:00:00+00:00')
  })

  it.each([['好的收到'], ['我有一点问题'], ['订单HX2026-11-0042'], ['3台空调'], ['幸福路20号'], ['8837那单'], ['电话13912345678']])('null when no day or time is said: %s', (text) => {
    expect(win(text)).toBeNull()
  })

  it('rejects an unknown time zone loudly', () => {
    expect(() => win('明天', NOW, 'Mars/Olympus')).toThrow(/time zone/)
  })
})

// ---------------------------------------------------------------------------------------------

describe('contact details', () => {
  it('finds mobiles with spaces, hyphens or +86, and landlines', () => {
    expect(findPhones('电话139 1234 5678，或者+86 138-1234-5678，座机0755-12345678，(021)87654321')).toEqual(['13912345678', '13812345678', '0755-12345678', '021-87654321'])
  })

  it('does not find a phone inside a longer number or an order', () => {
    expect(findPhones('2611 1391 2345 6789')).toEqual([])
    expect(findPhones('AJ20261120-8837')).toEqual([])
    expect(findPhones('12345678901')).toEqual([])
    expect(findPhones('139123456789')).toEqual([])
  })

  it('finds ID numbers only with a valid checksum', () => {
    expect(findIdNumbers('身份证110101199003074477')).toEqual(['110101199003074477'])
    expect(findIdNumbers('11010119900307002x')).toEqual(['11010119900307002X'])
    expect(findIdNumbers('110101199003071234')).toEqual([])
    expect(findIdNumbers('1101011990030744771')).toEqual([])
  })

  it.each([
    ['地址：广东省深圳市南山区深南大道9988号', '广东省深圳市南山区深南大道9988号'],
    ['我家住在上海市浦东新区张江路88号3栋1202室，明天上午在家', '上海市浦东新区张江路88号3栋1202室'],
    ['幸福花园5栋2单元301', '幸福花园5栋2单元301'],
    ['Flat 12B, Block 3, 18 Taikoo Shing Road', 'Flat 12B, Block 3, 18 Taikoo Shing Road'],
    ['I live at 221 Baker Street', '221 Baker Street'],
  ])('address: %s', (text, address) => {
    expect(findAddress(text)).toBe(address)
    expect(looksLikeAddress(text)).toBe(true)
  })

  it.each([['在市区买的'], ['单号是多少'], ['明天上午9点到11点'], ['unit price is high'], ['AJ20261120-8837']])('not an address: %s', (text) => {
    expect(looksLikeAddress(text)).toBe(false)
  })
})
