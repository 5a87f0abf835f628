import { EntitySchema } from 'typeorm'
import type { FlowDefinition } from '../../domain/growth/growth-config.js'

/**
 * The SOP calendar's and the lifecycle flows' tables, one definition on the TypeScript side (the
 * migration 1764001900000 is the other; a test compares them). bigint ids are strings from pg.
 */

export interface SopOccurrenceRow {
  id: string
  itemKey: string
  groupType: string
  groupKey: string
  dueAt: Date
  status: 'pending' | 'sent' | 'awaiting_review' | 'missed' | 'failed'
  sendId: string | null
  draftId: string | null
  sentAt: Date | null
  onTime: boolean | null
  createdAt: Date
  updatedAt: Date
}

export interface FlowRunRow {
  id: string
  contactId: string
  flowKey: string
  flowVersion: string
  /** the definition of the version this run started with: later edits do not touch it */
  definition: FlowDefinition
  status: 'running' | 'completed' | 'exited'
  currentStep: number
  triggerEventId: string
  exitReason: string | null
  startedAt: Date
  endedAt: Date | null
}

export interface FlowStepRow {
  id: string
  runId: string
  stepIndex: number
  dueAt: Date
  status: 'pending' | 'done' | 'skipped' | 'cancelled'
  outcome: Record<string, string | number | boolean | null>
  doneAt: Date | null
}

export interface GrowthCursorRow {
  name: string
  lastId: string
}

const id = { type: 'bigint', primary: true, generated: 'increment' } as const
const at = (name: string, nullable = false) => ({ type: 'timestamptz', name, nullable }) as const

export const SopOccurrenceEntity = new EntitySchema<SopOccurrenceRow>({
  name: 'sop_occurrence',
  tableName: 'sop_occurrences',
  columns: {
    id,
    itemKey: { type: 'text', name: 'item_key' },
    groupType: { type: 'text', name: 'group_type' },
    groupKey: { type: 'text', name: 'group_key' },
    dueAt: at('due_at'),
    status: { type: 'text' },
    sendId: { type: 'bigint', name: 'send_id', nullable: true },
    draftId: { type: 'bigint', name: 'draft_id', nullable: true },
    sentAt: at('sent_at', true),
    onTime: { type: 'boolean', name: 'on_time', nullable: true },
    createdAt: at('created_at'),
    updatedAt: at('updated_at'),
  },
})

export const FlowRunEntity = new EntitySchema<FlowRunRow>({
  name: 'flow_run',
  tableName: 'flow_runs',
  columns: {
    id,
    contactId: { type: 'bigint', name: 'contact_id' },
    flowKey: { type: 'text', name: 'flow_key' },
    flowVersion: { type: 'text', name: 'flow_version' },
    definition: { type: 'jsonb' },
    status: { type: 'text' },
    currentStep: { type: 'integer', name: 'current_step', default: 0 },
    triggerEventId: { type: 'bigint', name: 'trigger_event_id' },
    exitReason: { type: 'text', name: 'exit_reason', nullable: true },
    startedAt: at('started_at'),
    endedAt: at('ended_at', true),
  },
})

export const FlowStepEntity = new EntitySchema<FlowStepRow>({
  name: 'flow_step',
  tableName: 'flow_steps',
  columns: {
    id,
    runId: { type: 'bigint', name: 'run_id' },
    stepIndex: { type: 'integer', name: 'step_index' },
    dueAt: at('due_at'),
    status: { type: 'text' },
    outcome: { type: 'jsonb', default: () => `'{}'::jsonb` },
    doneAt: at('done_at', true),
  },
})

export const GrowthCursorEntity = new EntitySchema<GrowthCursorRow>({
  name: 'growth_cursor',
  tableName: 'growth_cursors',
  columns: {
    name: { type: 'text', primary: true },
    lastId: { type: 'bigint', name: 'last_id' },
  },
})

export const SOP_FLOW_ENTITIES = [SopOccurrenceEntity, FlowRunEntity, FlowStepEntity, GrowthCursorEntity]
