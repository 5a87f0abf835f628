import type { Tenant } from '../../config/load-tenant.js'
import type { Queryable } from './sql.js'
import { accountsInGroup, accountsOf } from '../../domain/accounts.js'

/**
 * Mirrors the tenant file into the directory tables so that SQL (reports, the API) can join
 * on it. The YAML stays the source of truth; rows no longer declared are kept for history.
 */
export async function syncDirectory(db: Queryable, t: Tenant): Promise<void> {
  const accounts = accountsOf(t)
  for (const g of t.groups) {
    // the accounts in the group, first declared first: a new send row takes the first (migration 1764001800000)
    await db.query(
      `INSERT INTO groups (key, room_id, topic, kind, accounts) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (key) DO UPDATE SET room_id = COALESCE(EXCLUDED.room_id, groups.room_id),
         topic = EXCLUDED.topic, kind = EXCLUDED.kind, accounts = EXCLUDED.accounts, updated_at = now()`,
      [g.key, g.id ?? null, g.topic ?? null, g.kind, accountsInGroup(g, accounts)],
    )
  }
  for (const p of t.people) {
    await db.query(
      `INSERT INTO people (wecom_id, name, roles) VALUES ($1,$2,$3)
       ON CONFLICT (wecom_id) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles, updated_at = now()`,
      [p.id, p.name, p.roles],
    )
  }
  for (const c of t.customers) {
    await db.query(
      `INSERT INTO customers (key, name, aliases, order_numbers, phone_tail, group_key, contact_id, executor_id, service_type)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, aliases = EXCLUDED.aliases,
         order_numbers = EXCLUDED.order_numbers, phone_tail = EXCLUDED.phone_tail, group_key = EXCLUDED.group_key,
         contact_id = EXCLUDED.contact_id, executor_id = EXCLUDED.executor_id, service_type = EXCLUDED.service_type,
         updated_at = now()`,
      [c.key, c.name, c.aliases, c.orderNumbers, c.phoneTail ?? null, c.group, c.contact, c.executor ?? null, c.serviceType ?? null],
    )
  }
  for (const p of t.partners) {
    await db.query(
      `INSERT INTO partners (key, name, group_key, staff) VALUES ($1,$2,$3,$4)
       ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, group_key = EXCLUDED.group_key, staff = EXCLUDED.staff, updated_at = now()`,
      [p.key, p.name, p.group, p.staff],
    )
  }
}
