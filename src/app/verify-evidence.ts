import { verifyChain, type ChainEvent } from '../domain/evidence-hash.js'

export interface EvidenceReader {
  caseIdsWithEvents(): Promise<number[]>
  chain(caseId: number): Promise<ChainEvent[]>
}

export interface VerifyReport {
  checked: number
  broken: Array<{ caseId: number; eventId: number; seq: number; reason: string }>
}

/** Checks the hash chain of one case, or of every case, naming the first broken event of each. */
export async function verifyEvidence(reader: EvidenceReader, caseId?: number): Promise<VerifyReport> {
  const ids = caseId !== undefined ? [caseId] : await reader.caseIdsWithEvents()
  const broken: VerifyReport['broken'] = []
  for (const id of ids) {
    const result = verifyChain(await reader.chain(id))
    if (!result.ok) broken.push({ caseId: id, eventId: result.brokenAt.id, seq: result.brokenAt.seq, reason: result.reason })
  }
  return { checked: ids.length, broken }
}
