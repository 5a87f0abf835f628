import type { DataSource } from 'typeorm'
import type { Tenant } from '../../src/config/load-tenant.js'

/** How Baton recorded and decided one message. */
export interface Recorded {
  messageId: number
  intent: string | null
  mode: string | null
  caseId: number | null
  /** customer of the case the message was tied to */
  caseCustomer: string | null
  /** that case's state and what it waits for once the line was decided (for reading misses) */
  caseState?: string | null
  caseAwaiting?: string | null
  /** how Baton read and decided it (messages.classification) */
  classification?: unknown
}

export interface DraftSeen {
  id: number
  category: string
  status: string
  mode: string
  text: string
  targetGroup: string
}

/** Where a send went, seen from the customer's side. */
export type Audience = 'customer' | 'team' | 'partner' | 'other'

export interface SendSeen {
  id: number
  kind: string
  groupKey: string | null
  contactId: string | null
  draftId: number | null
  text: string
  audience: Audience
  /** category of the draft a `draft` send delivers */
  category: string | null
}

/** Everything one line caused, as read from the database right after it was decided. */
export interface Observation {
  recorded: Recorded | null
  drafts: DraftSeen[]
  sends: SendSeen[]
  attention: number
}

/** Ids before a line is said: anything above them afterwards was caused by that line. */
export interface Marks {
  sendId: number
  draftId: number
}

export async function marks(ds: DataSource): Promise<Marks> {
  const rows: { s: string; d: string }[] = await ds.query(`SELECT (SELECT COALESCE(max(id), 0) FROM sends) AS s, (SELECT COALESCE(max(id), 0) FROM drafts) AS d`)
  return { sendId: Number(rows[0]!.s), draftId: Number(rows[0]!.d) }
}

/** `attention_items(message_id)` appears with a later migration; look once per run. */
export async function hasAttentionItems(ds: DataSource): Promise<boolean> {
  const rows: unknown[] = await ds.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'attention_items' AND column_name = 'message_id'`)
  return rows.length > 0
}

/** The decided message row for a WeCom id, or null while it is not recorded and decided yet. */
export async function decided(ds: DataSource, wecomId: string): Promise<Recorded | null> {
  const rows: {
    id: string
    intent: string | null
    mode: string | null
    case_id: string | null
    handled_at: Date | null
    customer_key: string | null
    state: string | null
    awaiting: string | null
    classification: unknown
  }[] = await ds.query(
    `SELECT m.id, m.intent, m.mode, m.case_id, m.handled_at, c.customer_key, c.state, c.awaiting, m.classification FROM messages m LEFT JOIN cases c ON c.id = m.case_id WHERE m.wecom_id = $1`,
    [wecomId],
  )
  const r = rows[0]
  if (!r || r.handled_at === null) return null
  return {
    messageId: Number(r.id),
    intent: r.intent,
    mode: r.mode,
    caseId: r.case_id === null ? null : Number(r.case_id),
    caseCustomer: r.customer_key,
    caseState: r.state,
    caseAwaiting: r.awaiting,
    classification: r.classification,
  }
}

/**
 * What a decided line caused: drafts it is the source of (or that appeared while it was decided:
 * lines play one at a time, so nothing else can have made them), sends queued since the marks,
 * and attention items for it.
 */
export async function observe(ds: DataSource, tenant: Tenant, rec: Recorded, before: Marks, attentionTable: boolean): Promise<Omit<Observation, 'recorded'>> {
  const drafts: { id: string; category: string; status: string; mode: string; text: string; target_group_key: string }[] = await ds.query(
    `SELECT id, category, status, mode, text, target_group_key FROM drafts WHERE source_message_id = $1 OR id > $2 ORDER BY id`,
    [rec.messageId, before.draftId],
  )
  const sends: { id: string; kind: string; group_key: string | null; contact_id: string | null; draft_id: string | null; text: string; category: string | null }[] = await ds.query(
    `SELECT s.id, s.kind, s.group_key, s.contact_id, s.draft_id, s.text, d.category FROM sends s LEFT JOIN drafts d ON d.id = s.draft_id WHERE s.id > $1 ORDER BY s.id`,
    [before.sendId],
  )
  let attention = 0
  if (attentionTable) {
    const rows: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM attention_items WHERE message_id = $1`, [rec.messageId])
    attention = rows[0]?.n ?? 0
  }
  return {
    drafts: drafts.map((d) => ({ id: Number(d.id), category: d.category, status: d.status, mode: d.mode, text: d.text, targetGroup: d.target_group_key })),
    sends: sends.map((s) => ({
      id: Number(s.id),
      kind: s.kind,
      groupKey: s.group_key,
      contactId: s.contact_id,
      draftId: s.draft_id === null ? null : Number(s.draft_id),
      text: s.text,
      audience: audienceOf(tenant, s.group_key, s.contact_id),
      category: s.category,
    })),
    attention,
  }
}

/** Who reads a send: a group's kind, or for a direct message the person's roles. */
export function audienceOf(tenant: Tenant, groupKey: string | null, contactId: string | null): Audience {
  if (groupKey !== null) {
    const kind = tenant.groups.find((g) => g.key === groupKey)?.kind
    if (kind === 'customer' || kind === 'public_customer') return 'customer'
    if (kind === 'internal') return 'team'
    if (kind === 'partner') return 'partner'
    return 'other'
  }
  const roles = tenant.people.find((p) => p.id === contactId)?.roles ?? []
  if (roles.includes('handler') || roles.includes('supervisor')) return 'team'
  if (roles.includes('partner')) return 'partner'
  // a customer contact, an executor, or someone unknown: treat as customer-visible
  return 'customer'
}
