import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * The policy and campaign entries a draft was made of (`{ entries: [{ id, version, hash, kind }] }`),
 * beside the template it already records (issue 19). NULL: a draft from a template alone, or one
 * made before this column existed.
 */
export class DraftKnowledge1764001500000 implements MigrationInterface {
  name = 'DraftKnowledge1764001500000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drafts ADD COLUMN knowledge jsonb`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drafts DROP COLUMN knowledge`)
  }
}
