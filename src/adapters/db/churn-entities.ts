import { EntitySchema } from 'typeorm'

/**
 * The churn tables' one definition on the TypeScript side (migrations/1764002000000-churn.ts is
 * the other; a test compares them). bigint ids come back from pg as strings.
 */

export interface ChurnTaskRow {
  id: string
  contactId: string
  ownerId: string | null
  score: number
  /** the domain's ChurnReason list, as scored when the task was opened */
  reasons: unknown[]
  openedAt: Date
  noticeSendId: string | null
  closedAt: Date | null
  closedBy: string | null
  outcome: string | null
  closeNote: string | null
}

export interface ChurnTaskEventRow {
  id: string
  taskId: string
  kind: string
  actor: string
  detail: Record<string, unknown>
  at: Date
}

const id = { type: 'bigint', primary: true, generated: 'increment' } as const
const at = (name: string, nullable = false) => ({ type: 'timestamptz', name, nullable }) as const

export const ChurnTaskEntity = new EntitySchema<ChurnTaskRow>({
  name: 'churn_task',
  tableName: 'churn_tasks',
  columns: {
    id,
    contactId: { type: 'bigint', name: 'contact_id' },
    ownerId: { type: 'text', name: 'owner_id', nullable: true },
    score: { type: 'integer' },
    reasons: { type: 'jsonb' },
    openedAt: at('opened_at'),
    noticeSendId: { type: 'bigint', name: 'notice_send_id', nullable: true },
    closedAt: at('closed_at', true),
    closedBy: { type: 'text', name: 'closed_by', nullable: true },
    outcome: { type: 'text', nullable: true },
    closeNote: { type: 'text', name: 'close_note', nullable: true },
  },
})

export const ChurnTaskEventEntity = new EntitySchema<ChurnTaskEventRow>({
  name: 'churn_task_event',
  tableName: 'churn_task_events',
  columns: {
    id,
    taskId: { type: 'bigint', name: 'task_id' },
    kind: { type: 'text' },
    actor: { type: 'text' },
    detail: { type: 'jsonb', default: () => `'{}'::jsonb` },
    at: at('at'),
  },
})

export const CHURN_ENTITIES = [ChurnTaskEntity, ChurnTaskEventEntity]
