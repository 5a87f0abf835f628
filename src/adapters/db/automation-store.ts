import type { AutomationStore } from '../../app/automation.js'
import type { Queryable } from './sql.js'

export function sqlAutomationStore(db: Queryable): AutomationStore {
  return {
    latest: async () => (await db.query(`SELECT DISTINCT ON (category) category, enabled FROM automation_switches ORDER BY category, id DESC`)) as Array<{ category: string; enabled: boolean }>,
    record: async (s) => {
      await db.query(`INSERT INTO automation_switches (category, enabled, switched_by, at) VALUES ($1, $2, $3, $4)`, [s.category, s.enabled, s.by, s.at])
    },
  }
}
