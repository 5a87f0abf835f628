import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Several WeCom accounts (issue 18): each group row lists the accounts that sit in it (mirrored
 * from the tenant file, first declared first), each message the account that recorded it, and
 * each send row the account that must deliver it. The account is chosen as the row is created, by
 * a trigger, because sends are inserted on four paths (one by one, the batched decision path,
 * timer batches, growth): the first account listed for the target group; for a direct message,
 * the account the contact last wrote to directly. NULL (a contact who never wrote, a group the
 * directory does not list, rows from before this migration) means the tenant's first account.
 */
export class SendAccount1764001800000 implements MigrationInterface {
  name = 'SendAccount1764001800000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE groups ADD COLUMN accounts text[]`)
    await q.query(`ALTER TABLE sends ADD COLUMN account_key text`)
    await q.query(`ALTER TABLE messages ADD COLUMN account_key text`)
    // the trigger's look-up of a contact's last direct message
    await q.query(`CREATE INDEX messages_direct_talker_idx ON messages (talker_id, id) WHERE channel = 'direct'`)
    await q.query(`
      CREATE FUNCTION sends_choose_account() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.account_key IS NULL AND NEW.group_key IS NOT NULL THEN
          SELECT g.accounts[1] INTO NEW.account_key FROM groups g WHERE g.key = NEW.group_key;
        ELSIF NEW.account_key IS NULL AND NEW.contact_id IS NOT NULL THEN
          SELECT m.account_key INTO NEW.account_key FROM messages m
           WHERE m.channel = 'direct' AND m.talker_id = NEW.contact_id AND m.account_key IS NOT NULL
           ORDER BY m.id DESC LIMIT 1;
        END IF;
        RETURN NEW;
      END $$`)
    await q.query(`CREATE TRIGGER sends_choose_account BEFORE INSERT ON sends FOR EACH ROW EXECUTE FUNCTION sends_choose_account()`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER sends_choose_account ON sends`)
    await q.query(`DROP FUNCTION sends_choose_account()`)
    await q.query(`DROP INDEX messages_direct_talker_idx`)
    await q.query(`ALTER TABLE messages DROP COLUMN account_key`)
    await q.query(`ALTER TABLE sends DROP COLUMN account_key`)
    await q.query(`ALTER TABLE groups DROP COLUMN accounts`)
  }
}
