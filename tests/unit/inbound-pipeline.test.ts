import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileSpool } from '../../src/adapters/spool/file-spool.js'
import type { InboundMessage } from '../../src/app/inbound-message.js'
import { InboundPipeline, type PipelineDeps } from '../../src/app/inbound-pipeline.js'
import { PIPELINE_LIMITS } from '../../src/app/pipeline-limits.js'
import { testLogger } from '../support/test-env.js'
import { inboundText } from '../support/inbound-messages.js'

const msg = inboundText

/**
 * A pipeline before PostgreSQL has answered: every message goes to the (real, on-disk) spool, so
 * the stages up to recording run without a database. Nothing past recording is reached.
 */
function beforePostgres(): { pipeline: InboundPipeline; spool: FileSpool } {
  const spool = new FileSpool(mkdtempSync(join(tmpdir(), 'pipeline-spool-')))
  const deps = {
    log: testLogger(),
    spool,
    retryMs: 60_000,
    duplicateWindowMs: 0,
    databaseReady: () => false,
    notReady: () => new Error('PostgreSQL has not answered yet'),
    isOutage: () => true,
  } as Partial<PipelineDeps> as PipelineDeps
  return { pipeline: new InboundPipeline(deps), spool }
}

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('InboundPipeline', () => {
  it(`reads at most ${PIPELINE_LIMITS.handling} events at once; the rest wait their turn, in arrival order`, async () => {
    const { pipeline, spool } = beforePostgres()
    const started: number[] = []
    const release = new Map<number, () => void>()
    const total = PIPELINE_LIMITS.handling + 5
    const received = Array.from({ length: total }, (_, i) =>
      pipeline.receive(
        () =>
          new Promise<InboundMessage>((resolve) => {
            started.push(i)
            release.set(i, () => resolve(msg(i)))
          }),
      ),
    )
    await tick()
    expect(started).toHaveLength(PIPELINE_LIMITS.handling)
    release.get(0)!()
    await received[0]
    await tick()
    expect(started).toHaveLength(PIPELINE_LIMITS.handling + 1)
    expect(started.at(-1)).toBe(PIPELINE_LIMITS.handling)
    for (let i = 1; i < total; i++) {
      await tick()
      release.get(i)!()
      await received[i]
    }
    expect(spool.depth()).toBe(total)
    const replayed: string[] = []
    await spool.replay(async (m) => void replayed.push(m.wecomId))
    expect(replayed).toEqual(Array.from({ length: total }, (_, i) => `m-${i}`))
  })

  it('spools what arrives before PostgreSQL answers and reports it in the intake state', async () => {
    const { pipeline } = beforePostgres()
    await pipeline.receive(async () => msg(1))
    await pipeline.receive(async () => msg(2))
    expect(pipeline.intake.state).toMatchObject({ spooled: 2, outage: true })
  })
})
