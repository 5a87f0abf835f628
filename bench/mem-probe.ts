/**
 * Development aid, loaded into the Baton process with `BENCH_MEM_PROBE=./bench/mem-probe.ts`:
 * every 2 s appends process.memoryUsage() (MB) to bench/.work/mem-<pid>.jsonl, and on SIGUSR2
 * writes a V8 heap snapshot next to it (compare two in Chrome DevTools, "Comparison" view).
 * A snapshot forces a full GC first, so it holds only live objects: heapUsed in the samples
 * also counts garbage not yet collected.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { writeHeapSnapshot } from 'node:v8'

const dir = new URL('./.work/', import.meta.url).pathname
mkdirSync(dir, { recursive: true })
const file = `${dir}mem-${process.pid}.jsonl`
const mb = (n: number) => Math.round(n / 2 ** 20)

setInterval(() => {
  const m = process.memoryUsage()
  appendFileSync(file, `${JSON.stringify({ at: Date.now(), rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) })}\n`)
}, 2000).unref()

process.on('SIGUSR2', () => {
  const path = writeHeapSnapshot(`${dir}heap-${process.pid}-${Date.now()}.heapsnapshot`)
  appendFileSync(file, `${JSON.stringify({ at: Date.now(), snapshot: path })}\n`)
})
