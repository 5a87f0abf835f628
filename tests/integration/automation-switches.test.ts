import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { AutomationSwitches } from '../../src/app/automation.js'
import { sqlAutomationStore } from '../../src/adapters/db/automation-store.js'
import { systemClock } from '../../src/app/ports.js'

describe('/auto switches across processes', () => {
  let h: SandboxHarness
  beforeAll(async () => {
    h = await startSandbox({ roles: ['worker'] })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('a switch recorded by one process reaches another on its next load, and policy is the fallback', async () => {
    const store = sqlAutomationStore(h.runtime.ds)
    const bot = new AutomationSwitches(new Set(['reminder']), store, systemClock)
    const worker = new AutomationSwitches(new Set(['reminder']), store, systemClock)
    await Promise.all([bot.load(), worker.load()])
    expect(worker.isAutomatic('reminder')).toBe(true)
    expect(worker.isAutomatic('material_request')).toBe(false)

    await bot.set('reminder', false, 'wx-supervisor-liu')
    await bot.set('material_request', true, 'wx-supervisor-liu')
    expect(bot.isAutomatic('reminder')).toBe(false)
    // not yet seen by the other process
    expect(worker.isAutomatic('reminder')).toBe(true)

    await worker.load()
    expect(worker.isAutomatic('reminder')).toBe(false)
    expect(worker.isAutomatic('material_request')).toBe(true)

    // the newest switch wins, and switching back on is seen too
    await bot.set('reminder', true, 'wx-supervisor-liu')
    await worker.load()
    expect(worker.isAutomatic('reminder')).toBe(true)
  })
})
