import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { InboundMessage } from '../../app/inbound-message.js'
import type { Spool } from '../../app/inbound-intake.js'

const SEGMENT = /^inbound-(\d{12})\.jsonl$/

/**
 * A durable local queue of inbound messages, used while PostgreSQL cannot store them: append-only
 * JSON-lines segments under `<dataDir>/spool`, each line written and fsync'd before the event is
 * considered taken. Replay seals the segment being written (new appends go to a fresh one), feeds
 * the sealed segments in order and deletes each once every line went through. A crash during
 * replay replays the segment again; the messages' unique id makes that harmless.
 */
export class FileSpool implements Spool {
  private fd: number | null = null
  private current: string | null = null
  private nextSeq: number
  private pending = 0

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true })
    const existing = this.segments()
    this.nextSeq = existing.length > 0 ? Number(SEGMENT.exec(existing[existing.length - 1]!)![1]) + 1 : 1
    for (const f of existing) this.pending += readLines(join(dir, f)).length
  }

  depth(): number {
    return this.pending
  }

  append(msg: InboundMessage): void {
    if (this.fd === null) {
      this.current = `inbound-${String(this.nextSeq++).padStart(12, '0')}.jsonl`
      this.fd = openSync(join(this.dir, this.current), 'a')
      syncDir(this.dir)
    }
    writeSync(this.fd, `${JSON.stringify(msg)}\n`)
    fsyncSync(this.fd)
    this.pending++
  }

  /** Feeds every spooled message to `fn` in order; stops (and rethrows) at the first failure. */
  async replay(fn: (msg: InboundMessage) => Promise<void>): Promise<number> {
    this.seal()
    let done = 0
    for (const file of this.segments()) {
      const path = join(this.dir, file)
      const lines = readLines(path)
      // messages that failed concurrently were appended in the order they failed: replay them in
      // the order they arrived (a torn last line, from a crash mid-append, was never taken)
      const msgs = lines
        .map(parseLine)
        .filter((m): m is InboundMessage => m !== null)
        .map((m, i) => ({ m, i }))
        .sort((a, b) => (a.m.receivedAt?.getTime() ?? 0) - (b.m.receivedAt?.getTime() ?? 0) || (a.m.receivedSeq ?? 0) - (b.m.receivedSeq ?? 0) || a.i - b.i)
      for (const { m } of msgs) {
        await fn(m)
        done++
      }
      unlinkSync(path)
      this.pending = Math.max(0, this.pending - lines.length)
    }
    return done
  }

  close(): void {
    this.seal()
  }

  private seal(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    this.current = null
  }

  private segments(): string[] {
    return readdirSync(this.dir)
      .filter((f) => SEGMENT.test(f) && f !== this.current)
      .sort()
  }
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
}

function parseLine(line: string): InboundMessage | null {
  try {
    const raw = JSON.parse(line) as InboundMessage & { saidAt: string; receivedAt?: string }
    return { ...raw, saidAt: new Date(raw.saidAt), ...(raw.receivedAt ? { receivedAt: new Date(raw.receivedAt) } : {}) }
  } catch {
    return null
  }
}

/** A new segment's directory entry must survive a power cut too. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // some filesystems refuse fsync on a directory; the file itself is still synced
  }
}
