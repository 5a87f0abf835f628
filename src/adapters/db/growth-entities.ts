import { EntitySchema } from 'typeorm'

/**
 * The growth tables' one definition on the TypeScript side (the migration is the other; a test
 * compares them). bigint ids come back from pg as strings, so they are typed as strings here.
 */

export interface ContactRow {
  id: string
  wecomId: string
  name: string
  personId: string | null
  stage: string | null
  firstInboundAt: Date | null
  lastInboundAt: Date | null
  firstOutboundAt: Date | null
  lastOutboundAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** what a contact event carries beside its columns: flat, readable facts (tag, rule, source…) */
export type EventDetail = Record<string, string | number | boolean | null>

export interface ContactEventRow {
  id: string
  contactId: string
  kind: string
  groupKey: string | null
  messageId: string | null
  detail: EventDetail
  at: Date
}

export interface ContactTagRow {
  id: string
  contactId: string
  tag: string
  dimension: string
  source: string
  appliedBy: string
  appliedAt: Date
  removedAt: Date | null
  removedBy: string | null
}

export interface GroupWelcomeRow {
  id: string
  groupKey: string
  memberId: string
  sendId: string | null
  createdAt: Date
}

const id = { type: 'bigint', primary: true, generated: 'increment' } as const
const at = (name: string, nullable = false) => ({ type: 'timestamptz', name, nullable }) as const

export const ContactEntity = new EntitySchema<ContactRow>({
  name: 'contact',
  tableName: 'contacts',
  columns: {
    id,
    wecomId: { type: 'text', name: 'wecom_id', unique: true },
    name: { type: 'text' },
    personId: { type: 'text', name: 'person_id', nullable: true },
    stage: { type: 'text', nullable: true },
    firstInboundAt: at('first_inbound_at', true),
    lastInboundAt: at('last_inbound_at', true),
    firstOutboundAt: at('first_outbound_at', true),
    lastOutboundAt: at('last_outbound_at', true),
    createdAt: at('created_at'),
    updatedAt: at('updated_at'),
  },
})

export const ContactEventEntity = new EntitySchema<ContactEventRow>({
  name: 'contact_event',
  tableName: 'contact_events',
  columns: {
    id,
    contactId: { type: 'bigint', name: 'contact_id' },
    kind: { type: 'text' },
    groupKey: { type: 'text', name: 'group_key', nullable: true },
    messageId: { type: 'bigint', name: 'message_id', nullable: true },
    detail: { type: 'jsonb', default: () => `'{}'::jsonb` },
    at: at('at'),
  },
})

export const ContactTagEntity = new EntitySchema<ContactTagRow>({
  name: 'contact_tag',
  tableName: 'contact_tags',
  columns: {
    id,
    contactId: { type: 'bigint', name: 'contact_id' },
    tag: { type: 'text' },
    dimension: { type: 'text' },
    source: { type: 'text' },
    appliedBy: { type: 'text', name: 'applied_by' },
    appliedAt: at('applied_at'),
    removedAt: at('removed_at', true),
    removedBy: { type: 'text', name: 'removed_by', nullable: true },
  },
})

export const GroupWelcomeEntity = new EntitySchema<GroupWelcomeRow>({
  name: 'group_welcome',
  tableName: 'group_welcomes',
  columns: {
    id,
    groupKey: { type: 'text', name: 'group_key' },
    memberId: { type: 'text', name: 'member_id' },
    sendId: { type: 'bigint', name: 'send_id', nullable: true },
    createdAt: at('created_at'),
  },
})

export const GROWTH_ENTITIES = [ContactEntity, ContactEventEntity, ContactTagEntity, GroupWelcomeEntity]
