import type { NewSend } from '../case-record.js'

/** A customer-side person Baton has seen, as stored. */
export interface ContactSummary {
  id: number
  wecomId: string
  name: string
  personId: string | null
  stage: string | null
  firstInboundAt: Date | null
  lastInboundAt: Date | null
  lastOutboundAt: Date | null
  tags: string[]
}

export interface TagView {
  tag: string
  dimension: string
  source: TagSource
  appliedBy: string
  appliedAt: Date
}

export interface ContactEventView {
  id: number
  kind: ContactEventKind
  groupKey: string | null
  messageId: number | null
  detail: Record<string, string | number | boolean | null>
  at: Date
}

export type TagSource = 'manual' | 'rule' | 'case' | 'flow'
export type ContactEventKind = 'joined_group' | 'left_group' | 'message' | 'case_opened' | 'case_closed' | 'tag_added' | 'tag_removed' | 'friend_added' | 'flow_step' | 'task'

/** Someone the bot account sees: WeCom id, display name, and the tenant's person id if declared. */
export interface SeenPerson {
  wecomId: string
  name: string
  personId: string | null
}

/**
 * A contact's inbound messages in one batch, for first/last inbound times. The messages
 * themselves are not copied anywhere: a contact's `message` events are read from `messages`.
 */
export interface InboundSeen extends SeenPerson {
  firstAt: Date
  lastAt: Date
}

export interface NewContactEvent {
  contactId: number
  kind: ContactEventKind
  groupKey?: string | null
  messageId?: number | null
  detail?: Record<string, string | number | boolean | null>
  at: Date
}

/** The growth tables inside one transaction. */
export interface GrowthTx {
  /** creates contacts not seen before (names refreshed for the others); their ids by WeCom id */
  upsertContacts(people: readonly SeenPerson[], at: Date): Promise<Map<string, number>>
  appendEvents(events: readonly NewContactEvent[]): Promise<void>
  liveTags(contactId: number): Promise<TagView[]>
  /** false when the contact already carried the tag (a concurrent add) */
  addTag(contactId: number, t: { tag: string; dimension: string; source: TagSource; by: string; at: Date }): Promise<boolean>
  /** false when the contact did not carry the tag */
  removeTag(contactId: number, tag: string, by: string, at: Date): Promise<boolean>
  setStage(contactId: number, stage: string | null, at: Date): Promise<void>
  noteOutbound(contactId: number, at: Date): Promise<void>
  /** claims the one welcome of a member in a group; null when it was claimed before */
  claimWelcome(groupKey: string, memberId: string, at: Date): Promise<number | null>
  setWelcomeSend(welcomeId: number, sendId: number): Promise<void>
  /** the outbound queue's outbox (same table and relay as every other send) */
  insertSend(s: NewSend, at: Date): Promise<number>
}

export interface ContactFilter {
  tag?: string
  limit: number
  offset: number
}

/** Persistence of contacts, their events and tags. */
export interface GrowthStore {
  transaction<T>(fn: (tx: GrowthTx) => Promise<T>): Promise<T>
  /** contacts whose name, WeCom id or person id is exactly `ref` */
  findContacts(ref: string): Promise<ContactSummary[]>
  contact(id: number): Promise<ContactSummary | null>
  listContacts(filter: ContactFilter): Promise<{ items: ContactSummary[]; total: number }>
  tagsOf(contactId: number): Promise<TagView[]>
  /** newest first; `message` events are the contact's inbound messages (their id is the message id) */
  eventsOf(contactId: number, limit: number): Promise<ContactEventView[]>
  /**
   * Creates unseen contacts and moves first/last inbound times in one statement; a contact whose
   * stored last inbound is less than a minute older is left unwritten (a busy talker costs no
   * row write per batch), so last_inbound_at may lag by up to a minute.
   */
  noteInbound(seen: readonly InboundSeen[], at: Date): Promise<void>
  /** contacts silent since `before` (last inbound, else first seen) not carrying `tag`, oldest first */
  silentContacts(before: Date, withoutTag: string, limit: number): Promise<number[]>
}
