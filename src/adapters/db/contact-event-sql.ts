import type { CaseContactEvent } from '../../app/store.js'

/**
 * Case events on a customer's contact log, as data-modifying CTEs over one jsonb parameter: the
 * contact is created if Baton had not seen it yet (its name left as stored otherwise), then one
 * event row each. Used by the plain transaction and, folded into its one flush statement, by the
 * batch transaction.
 */
export function contactEventParts(param: string, prefix: string): string[] {
  return [
    `${prefix}_in AS (SELECT * FROM jsonb_to_recordset(${param}::jsonb) AS x(wecom_id text, name text, person_id text, kind text, detail jsonb, at timestamptz))`,
    `${prefix}_c AS (INSERT INTO contacts (wecom_id, name, person_id, created_at, updated_at)
       SELECT DISTINCT ON (wecom_id) wecom_id, name, person_id, at, at FROM ${prefix}_in ORDER BY wecom_id
       ON CONFLICT (wecom_id) DO UPDATE SET updated_at = contacts.updated_at RETURNING id, wecom_id)`,
    `${prefix}_e AS (INSERT INTO contact_events (contact_id, kind, detail, at) SELECT c.id, i.kind, i.detail, i.at FROM ${prefix}_in i JOIN ${prefix}_c c USING (wecom_id))`,
  ]
}

export function contactEventParam(events: readonly CaseContactEvent[]): string {
  return JSON.stringify(events.map((e) => ({ wecom_id: e.wecomId, name: e.name, person_id: e.personId, kind: e.kind, detail: e.detail, at: e.at.toISOString() })))
}
