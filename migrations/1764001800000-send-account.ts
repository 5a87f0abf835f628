import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Several WeCom accounts (issue 18): each group row lists the accounts that sit in it (mirrored
 * from the tenant file, first declared first), and each send row carries the account that must
 * deliver it. The account is chosen as the row is created, by a trigger, because sends are
 * inserted on four paths (one by one, the batched decision path, timer batches, growth): the
 * first account listed for the target group. NULL (a direct message, a group the directory does
 * not list, rows from before this migration) means the tenant's first account.
 */
export class SendAccount1764001800000 implements MigrationInterface {
  name = 'SendAccount1764001800000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE groups ADD COLUMN accounts text[]`)
    await q.query(`ALTER TABLE sends ADD COLUMN account_key text`)
    await q.query(`
      CREATE FUNCTION sends_choose_account() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.account_key IS NULL AND NEW.group_key IS NOT NULL THEN
          SELECT g.accounts[1] INTO NEW.account_key FROM groups g WHERE g.key = NEW.group_key;
        END IF;
        RETURN NEW;
      END $$`)
    await q.query(`CREATE TRIGGER sends_choose_account BEFORE INSERT ON sends FOR EACH ROW EXECUTE FUNCTION sends_choose_account()`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER sends_choose_account ON sends`)
    await q.query(`DROP FUNCTION sends_choose_account()`)
    await q.query(`ALTER TABLE sends DROP COLUMN account_key`)
    await q.query(`ALTER TABLE groups DROP COLUMN accounts`)
  }
}
