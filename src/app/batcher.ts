import { SingleFlight } from './single-flight.js'

/**
 * Collects items that arrive while a batch is being worked on into the next batch: one batch in
 * flight at a time, so a lone item waits for nobody and a burst is handled in a few large
 * batches. Each caller gets its own item's result (or error) once its batch is done.
 */
export class Batcher<I, O> {
  private queue: Array<{ item: I; resolve(o: O): void; reject(err: unknown): void }> = []
  // drain() settles every item itself, so a crash here can only be a bug in this file
  private readonly draining = new SingleFlight(
    () => this.drain(),
    (err) => {
      for (const b of this.queue.splice(0)) b.reject(err)
    },
  )

  constructor(
    private readonly run: (items: I[]) => Promise<Array<PromiseSettledResult<O>>>,
    private readonly maxBatch: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      void this.draining.kick()
    })
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      try {
        const results = await this.run(batch.map((b) => b.item))
        batch.forEach((b, i) => {
          const r = results[i]
          if (!r) b.reject(new Error('batch returned no result for an item'))
          else if (r.status === 'fulfilled') b.resolve(r.value)
          else b.reject(r.reason)
        })
      } catch (err) {
        for (const b of batch) b.reject(err)
      }
    }
  }
}
