import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * What approving a draft does to its case beyond sending it (`{ transition, items, appointment,
 * writeback, stateVersion }`): the effects of a reading the context guessed, held back until a
 * person agrees. NULL: approving only sends the draft, as for every draft made before this column.
 */
export class DraftOnApproval1764002300000 implements MigrationInterface {
  name = 'DraftOnApproval1764002300000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drafts ADD COLUMN on_approval jsonb`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drafts DROP COLUMN on_approval`)
  }
}
