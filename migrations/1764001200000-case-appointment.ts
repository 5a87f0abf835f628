import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * A case remembers the visit time that was proposed to the customer and, once answered, the one
 * that was agreed (`appointment`: `{ start, end, agreed }`, ISO times with the tenant's offset).
 * With it Baton tells "明天下午在" said again by another family member (the agreed time, nothing
 * to do) from a new time nobody asked for (a change of plan a person must coordinate).
 */
export class CaseAppointment1764001200000 implements MigrationInterface {
  name = 'CaseAppointment1764001200000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN appointment jsonb`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN appointment`)
  }
}
