import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileSpool } from '../../src/adapters/spool/file-spool.js'
import { InboundIntake } from '../../src/app/inbound-intake.js'
import type { InboundMessage, RecordedMessage } from '../../src/app/inbound-message.js'
import { testLogger } from '../support/test-env.js'
import { inboundText } from '../support/inbound-messages.js'

const msg = inboundText

const outage = Object.assign(new Error('connect ECONNREFUSED'), { outage: true })

describe('InboundIntake after PostgreSQL returns', () => {
  it('replays what arrived behind the spool during the replay in the same pass, in order, not one retry interval later', async () => {
    const spool = new FileSpool(mkdtempSync(join(tmpdir(), 'intake-spool-')))
    let up = false
    const recorded: string[] = []
    // the intake is built after its deps, which call back into it
    const self: { intake?: InboundIntake } = {}
    let next = 3
    const deps = {
      log: testLogger(),
      spool,
      isOutage: (err: unknown) => (err as { outage?: boolean }).outage === true,
      listUnhandled: async () => [],
      process: async () => undefined,
      record: async (m: InboundMessage) => {
        if (!up) throw outage
        recorded.push(m.wecomId)
        // steady traffic: each replayed message is followed by a new one, which queues behind the spool
        if (next < 8) await self.intake!.handle(msg(next++))
        return { kind: 'recorded' as const, message: { ...m, id: recorded.length } as unknown as RecordedMessage }
      },
    }
    // a retry interval far longer than the test: only the pass under test can drain the spool
    const intake = new InboundIntake(deps, 3_600_000)
    self.intake = intake
    await intake.handle(msg(1))
    await intake.handle(msg(2))
    expect(spool.depth()).toBe(2)
    up = true
    await intake.recover()
    expect(spool.depth()).toBe(0)
    expect(recorded).toEqual(['m-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6', 'm-7'])
    expect(intake.state.outage).toBe(false)
    await intake.stop()
  })
})
