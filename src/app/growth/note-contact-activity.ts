import { rulesFiring } from '../../domain/growth/tag-rules.js'
import { Batcher } from '../batcher.js'
import type { RecordedMessage } from '../inbound-message.js'
import { addContactTag } from './change-tags.js'
import { isCustomerSide, seenPerson, type GrowthDeps } from './growth-deps.js'

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
  private readonly batcher: Batcher<RecordedMessage, void>
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly deps: GrowthDeps) {
    this.batcher = new Batcher((msgs) => this.write(msgs), ACTIVITY_BATCH)
  }

  /** Notes a recorded message (inbound from a contact); never waits for the database. */
  note(msg: RecordedMessage): void {
    if (!this.concerns(msg)) return
    const p = this.batcher.submit(msg).catch((err: Error) => this.deps.log.warn({ messageId: msg.wecomId, err: { message: err.message } }, 'contact activity not recorded'))
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

  private async write(msgs: RecordedMessage[]): Promise<Array<PromiseSettledResult<void>>> {
    const { cfg, directory } = this.deps
    const at = this.deps.clock.now()
    await this.deps.growth.transaction(async (tx) => {
      const people = new Map(msgs.map((m) => [m.talkerId, seenPerson(directory, m.talkerId, m.talkerName)]))
      const ids = await tx.upsertContacts([...people.values()], at)
      await tx.noteMessages(msgs.map((m) => ({ contactId: ids.get(m.talkerId)!, direction: 'inbound' as const, at: m.saidAt, messageId: m.id, groupKey: m.groupKey })))
      for (const m of msgs) {
        if (m.type !== 'text') continue
        for (const rule of rulesFiring(cfg, { event: 'message', text: m.text })) {
          await addContactTag(tx, cfg, ids.get(m.talkerId)!, rule.addTag, { source: 'rule', by: rule.id }, at)
        }
      }
    })
    return msgs.map(() => ({ status: 'fulfilled', value: undefined }))
  }
}
