import { rulesFiring } from '../../domain/growth/tag-rules.js'
import { Batcher } from '../batcher.js'
import type { RecordedMessage } from '../inbound-message.js'
import type { HandleOutcome } from '../handle-message.js'
import { addContactTag } from './change-tags.js'
import { isCustomerSide, seenPerson, type GrowthDeps } from './growth-deps.js'
import type { InboundSeen, TagSource } from './growth-ports.js'

/** A recorded message, or a decided one that was a complaint on a service case. */
type Noted = { kind: 'message'; msg: RecordedMessage } | { kind: 'complaint_case'; msg: RecordedMessage; caseId: number }

/** messages folded into one contacts transaction at most */
const ACTIVITY_BATCH = 500

/**
 * Keeps contacts up to date as messages are recorded, off the decision path: `note` returns at
 * once and messages that arrive together are written in one statement (contacts upserted,
 * first/last inbound moved; the messages are not copied: a contact's message events are read
 * from `messages`); only a message that sets a keyword or complaint rule off opens a transaction. Only customer-side
 * talkers in customer groups and direct chats are contacts; what fails is logged, never thrown at
 * the message pipeline (the message itself is already stored).
 */
export class ContactActivity {
  private readonly batcher: Batcher<Noted, void>
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly deps: GrowthDeps) {
    this.batcher = new Batcher((msgs) => this.write(msgs), ACTIVITY_BATCH)
  }

  /** Notes a recorded message (inbound from a contact); never waits for the database. */
  note(msg: RecordedMessage): void {
    if (this.concerns(msg)) this.submit({ kind: 'message', msg })
  }

  /**
   * Notes how a contact's message was decided: a complaint signal on a message matched to a
   * service case fires the `complaint_case` rules (tag source `case`, by the case id).
   */
  decided(msg: RecordedMessage, outcome: Pick<HandleOutcome, 'understanding' | 'caseId'>): void {
    if (!this.concerns(msg) || outcome.caseId === null || !outcome.understanding.signals.includes('complaint')) return
    if (!this.deps.cfg.rules.some((r) => r.when.event === 'complaint_case')) return
    this.submit({ kind: 'complaint_case', msg, caseId: outcome.caseId })
  }

  private submit(item: Noted): void {
    const msg = item.msg
    const p = this.batcher.submit(item).catch((err: Error) => this.deps.log.warn({ messageId: msg.wecomId, err: { message: err.message } }, 'contact activity not recorded'))
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  /** Resolves when every noted message is written (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }

  private concerns(msg: RecordedMessage): boolean {
    if (msg.direction !== 'inbound') return false
    if (msg.channel !== 'customer' && msg.channel !== 'public_customer' && msg.channel !== 'direct') return false
    return isCustomerSide(this.deps.directory, msg.talkerId)
  }

  private async write(items: Noted[]): Promise<Array<PromiseSettledResult<void>>> {
    const { cfg, directory } = this.deps
    const at = this.deps.clock.now()
    // first/last inbound per talker, one statement for the batch (no copy of the messages)
    const seen = new Map<string, InboundSeen>()
    for (const { msg: m } of items) {
      const had = seen.get(m.talkerId)
      if (!had) seen.set(m.talkerId, { ...seenPerson(directory, m.talkerId, m.talkerName), firstAt: m.saidAt, lastAt: m.saidAt })
      else {
        if (m.saidAt < had.firstAt) had.firstAt = m.saidAt
        if (m.saidAt > had.lastAt) had.lastAt = m.saidAt
      }
    }
    await this.deps.growth.noteInbound([...seen.values()], at)
    // only a message that sets a rule off needs the contact's id and a transaction
    const tagging = items.flatMap((item): Array<{ item: Noted; tag: string; who: { source: TagSource; by: string } }> => {
      if (item.kind === 'complaint_case')
        return rulesFiring(cfg, { event: 'complaint_case', caseId: item.caseId }).map((rule) => ({ item, tag: rule.addTag, who: { source: 'case' as const, by: String(item.caseId) } }))
      if (item.msg.type !== 'text') return []
      return rulesFiring(cfg, { event: 'message', text: item.msg.text }).map((rule) => ({ item, tag: rule.addTag, who: { source: 'rule' as const, by: rule.id } }))
    })
    if (tagging.length > 0) {
      await this.deps.growth.transaction(async (tx) => {
        const ids = await tx.upsertContacts(
          tagging.map(({ item: { msg: m } }) => seenPerson(directory, m.talkerId, m.talkerName)),
          at,
        )
        for (const t of tagging) await addContactTag(tx, cfg, ids.get(t.item.msg.talkerId)!, t.tag, t.who, at)
      })
    }
    return items.map(() => ({ status: 'fulfilled', value: undefined }))
  }
}
