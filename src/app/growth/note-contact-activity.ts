import { rulesFiring } from '../../domain/growth/tag-rules.js'
import { Batcher } from '../batcher.js'
import type { RecordedMessage } from '../inbound-message.js'
import type { HandleOutcome } from '../handle-message.js'
import { addContactTag } from './change-tags.js'
import { isCustomerSide, seenPerson, type GrowthDeps } from './growth-deps.js'

/** A recorded message, or a decided one that was a complaint on a service case. */
type Noted = { kind: 'message'; msg: RecordedMessage } | { kind: 'complaint_case'; msg: RecordedMessage; caseId: number }

/** messages folded into one contacts transaction at most */
const ACTIVITY_BATCH = 500

/**
 * Keeps contacts up to date as messages are recorded, off the decision path: `note` returns at
 * once and messages that arrive together are written in one transaction (contacts upserted,
 * first/last times moved, one `message` event each, keyword rules applied). Only customer-side
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
    const msgs = items.filter((i) => i.kind === 'message').map((i) => i.msg)
    await this.deps.growth.transaction(async (tx) => {
      const people = new Map(items.map(({ msg: m }) => [m.talkerId, seenPerson(directory, m.talkerId, m.talkerName)]))
      const ids = await tx.upsertContacts([...people.values()], at)
      await tx.noteMessages(msgs.map((m) => ({ contactId: ids.get(m.talkerId)!, direction: 'inbound' as const, at: m.saidAt, messageId: m.id, groupKey: m.groupKey })))
      for (const item of items) {
        const contactId = ids.get(item.msg.talkerId)!
        if (item.kind === 'complaint_case') {
          for (const rule of rulesFiring(cfg, { event: 'complaint_case', caseId: item.caseId })) {
            await addContactTag(tx, cfg, contactId, rule.addTag, { source: 'case', by: String(item.caseId) }, at)
          }
          continue
        }
        if (item.msg.type !== 'text') continue
        for (const rule of rulesFiring(cfg, { event: 'message', text: item.msg.text })) {
          await addContactTag(tx, cfg, contactId, rule.addTag, { source: 'rule', by: rule.id }, at)
        }
      }
    })
    return items.map(() => ({ status: 'fulfilled', value: undefined }))
  }
}
