import { describe, expect, it } from 'vitest'
import { PeriodicSweep } from '../../src/adapters/queue/periodic-sweep.js'
import { testLogger } from '../support/test-env.js'

describe('PeriodicSweep', () => {
  it('runs at start and then every interval, never two passes at once, and survives a failing pass', async () => {
    let running = 0
    let maxRunning = 0
    let passes = 0
    const sweep = new PeriodicSweep(
      'test',
      async () => {
        running++
        maxRunning = Math.max(maxRunning, running)
        passes++
        await new Promise((r) => setTimeout(r, 25)) // longer than the interval
        running--
        if (passes === 2) throw new Error('database hiccup')
      },
      testLogger(),
      10,
    )
    sweep.start()
    await new Promise((r) => setTimeout(r, 150))
    await sweep.stop()
    const after = passes
    await new Promise((r) => setTimeout(r, 40))
    expect(maxRunning).toBe(1)
    expect(after).toBeGreaterThanOrEqual(3) // kept going after the failure
    expect(passes).toBe(after) // nothing runs after stop
    expect(running).toBe(0) // stop waited for the pass in flight
  })
})
