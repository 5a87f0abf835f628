import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Issue 7 (benchmarks): "has the customer sent a photo since the case entered its state?" is
 * asked for every open case a message can concern. Through messages_case_idx it read every
 * message of the case to find the photos; this partial index holds only inbound photos and
 * files, newest first, so the answer is one index probe however long the case's history is.
 */
export class ProofIndex1764000800000 implements MigrationInterface {
  name = 'ProofIndex1764000800000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_case_proof_idx ON messages (case_id, said_at DESC) WHERE case_id IS NOT NULL AND type IN ('image', 'file') AND direction = 'inbound'`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX messages_case_proof_idx`)
  }
}
