import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Contact events (issue 20, finishing part 1): a friend request the policy accepted
 * (`friend_added`), a lifecycle flow step that ran (`flow_step`) and a churn task opened or closed
 * (`task`) join the kinds a contact's log may hold.
 */
export class ContactEventKinds1764002100000 implements MigrationInterface {
  name = 'ContactEventKinds1764002100000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_events DROP CONSTRAINT contact_events_kind_check`)
    await q.query(
      `ALTER TABLE contact_events ADD CONSTRAINT contact_events_kind_check CHECK (kind IN ('joined_group','left_group','message','case_opened','case_closed','tag_added','tag_removed','friend_added','flow_step','task'))`,
    )
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM contact_events WHERE kind IN ('friend_added','flow_step','task')`)
    await q.query(`ALTER TABLE contact_events DROP CONSTRAINT contact_events_kind_check`)
    await q.query(`ALTER TABLE contact_events ADD CONSTRAINT contact_events_kind_check CHECK (kind IN ('joined_group','left_group','message','case_opened','case_closed','tag_added','tag_removed'))`)
  }
}
