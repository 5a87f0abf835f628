import type { Knowledge } from '../../domain/knowledge.js'
import type { KnowledgeEntry } from '../../domain/knowledge/knowledge-versions.js'

export interface KnowledgeItem {
  key: string
  text: string
  version: number
  updatedAt: Date
}

export interface RecordResult {
  changed: string[]
  versions: Record<string, number>
}

/** Persistence of knowledge versions (append-only). */
export interface KnowledgeVersionStore {
  /** Records a version for every new, changed or removed entry, atomically and serialised across processes. */
  record(entries: readonly KnowledgeEntry[], meta: { reason: 'startup' | 'reload'; actor: string; at: Date }): Promise<RecordResult>
  /** The current version of every entry that is not removed. */
  current(): Promise<KnowledgeItem[]>
}

/**
 * The knowledge the decision services read, swapped as a whole: readers take `current` once
 * and a reload replaces the reference in one assignment, so nobody sees half of each.
 */
export class LiveKnowledge {
  private value: Knowledge
  constructor(initial: Knowledge) {
    this.value = initial
  }
  get current(): Knowledge {
    return this.value
  }
  swap(next: Knowledge): void {
    this.value = next
  }
}
