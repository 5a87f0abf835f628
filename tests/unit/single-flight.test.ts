import { describe, expect, it } from 'vitest'
import { SingleFlight } from '../../src/app/single-flight.js'

/** A task whose runs the test finishes by hand, one at a time. */
function gatedTask() {
  const gates: Array<() => void> = []
  let running = 0
  let maxRunning = 0
  let runs = 0
  const task = async (): Promise<void> => {
    runs++
    running++
    maxRunning = Math.max(maxRunning, running)
    await new Promise<void>((resolve) => gates.push(resolve))
    running--
  }
  const flush = () => new Promise((r) => setTimeout(r, 0))
  return {
    task,
    get runs() {
      return runs
    },
    get maxRunning() {
      return maxRunning
    },
    async release(): Promise<void> {
      await flush()
      gates.shift()?.()
      await flush()
    },
  }
}

describe('SingleFlight', () => {
  it('runs a kick at once when idle', async () => {
    const t = gatedTask()
    const flight = new SingleFlight(t.task, () => undefined)
    const done = flight.kick()
    expect(t.runs).toBe(1)
    expect(flight.busy).toBe(true)
    await t.release()
    await done
    expect(flight.busy).toBe(false)
  })

  it('coalesces any number of kicks during a run into exactly one more run, never two at once', async () => {
    const t = gatedTask()
    const flight = new SingleFlight(t.task, () => undefined)
    void flight.kick()
    const second = flight.kick()
    void flight.kick()
    void flight.kick()
    expect(t.runs).toBe(1)
    await t.release()
    expect(t.runs).toBe(2) // the rerun started right after the first run
    let secondDone = false
    void second.then(() => (secondDone = true))
    await t.release()
    await second
    expect(secondDone).toBe(true)
    expect(t.runs).toBe(2)
    expect(t.maxRunning).toBe(1)
    expect(flight.busy).toBe(false)
  })

  it('a kick after the run finished starts a fresh run', async () => {
    const t = gatedTask()
    const flight = new SingleFlight(t.task, () => undefined)
    void flight.kick()
    await t.release()
    expect(flight.busy).toBe(false)
    void flight.kick()
    expect(t.runs).toBe(2)
    await t.release()
  })

  it('join shares the run in flight without asking for another', async () => {
    const t = gatedTask()
    const flight = new SingleFlight(t.task, () => undefined)
    const first = flight.join()
    const joined = flight.join()
    await t.release()
    await Promise.all([first, joined])
    expect(t.runs).toBe(1)
    void flight.join()
    expect(t.runs).toBe(2)
    await t.release()
  })

  it('reports a failing run, still runs the rerun asked for, and its promises never reject', async () => {
    const errors: unknown[] = []
    let runs = 0
    let release: () => void = () => undefined
    const flight = new SingleFlight(
      async () => {
        runs++
        if (runs === 1) {
          await new Promise<void>((r) => (release = r))
          throw new Error('database hiccup')
        }
      },
      (err) => errors.push(err),
    )
    const first = flight.kick()
    const second = flight.kick()
    release()
    await expect(first).resolves.toBeUndefined()
    await expect(second).resolves.toBeUndefined()
    expect(runs).toBe(2)
    expect(errors.map((e) => (e as Error).message)).toEqual(['database hiccup'])
  })

  it('idle waits for the run in flight and the rerun asked for meanwhile', async () => {
    const t = gatedTask()
    const flight = new SingleFlight(t.task, () => undefined)
    void flight.kick()
    void flight.kick()
    let idle = false
    void flight.idle().then(() => (idle = true))
    await t.release()
    expect(idle).toBe(false)
    await t.release()
    await flight.idle()
    expect(idle).toBe(true)
    await expect(new SingleFlight(t.task, () => undefined).idle()).resolves.toBeUndefined()
  })
})
