import type { ChurnConfig } from './churn-score.js'
import type { FriendRequestPolicy } from './friend-requests.js'

/**
 * The growth vocabulary (issue 20): tag dimensions, tags, tag rules and customer group types.
 * The domain owns these words; config/growth.yaml is validated by a schema checked against them.
 */
export interface TagDimension {
  key: string
  name: string
  /** a contact has at most one tag of an exclusive dimension: adding one removes the other */
  exclusive: boolean
  /** the contact's stage is its tag in this dimension (at most one dimension, and an exclusive one) */
  stage: boolean
}

export interface TagDefinition {
  name: string
  dimension: string
}

/** What makes a rule fire. */
export type TagRuleWhen =
  /** a member joins a watched group of this type */
  | { event: 'joined_group'; groupType: string }
  /** an inbound message whose text contains any of these words */
  | { event: 'message'; keywords: string[] }
  /** a contact's message carrying a complaint signal, matched to a service case */
  | { event: 'complaint_case' }
  /** checked nightly: no inbound message for this many days (counted from the first one Baton saw) */
  | { event: 'nightly'; silentDays: number }

export interface TagRule {
  id: string
  when: TagRuleWhen
  addTag: string
}

export interface GroupType {
  key: string
  name: string
  /** watched customer groups of this type (group keys of the tenant file) */
  groups: string[]
  /** sent once to each newcomer; {name} is the newcomer's display name */
  welcome?: string | undefined
  /** the group type's content calendar: each item posted to every group of the type on schedule */
  sop: SopItem[]
}

/** One SOP calendar item: what is posted to the groups of a type, and when. */
export interface SopItem {
  key: string
  /** cron-style "minute hour day-of-month month day-of-week" in the tenant's time zone */
  schedule: string
  /** the text posted (customer wording, Chinese), unless `knowledge` names an approved entry */
  text?: string | undefined
  /** an approved policy/campaign knowledge entry whose answer is posted */
  knowledge?: string | undefined
  /** posted without review even to a public group (else a public group's post waits for review) */
  automatic: boolean
  /** how late an occurrence may still be posted (a duration like "2h"); later it is marked missed */
  window: string
}

/** What starts a lifecycle flow for a contact. */
export type FlowTrigger =
  /** the contact joined a watched group of this type */
  | { event: 'joined_group'; groupType: string }
  /** the tag was added to the contact */
  | { event: 'tag_added'; tag: string }
  /** the contact's stage became this tag */
  | { event: 'stage_set'; stage: string }

/** What a flow step does. */
export type FlowAction =
  /** a direct message to the contact; {name} is the contact's name */
  | { kind: 'send'; text: string; automatic: boolean }
  | { kind: 'add_tag'; tag: string }
  | { kind: 'remove_tag'; tag: string }
  | { kind: 'set_stage'; stage: string }
  /** a notice in the internal group asking a person to act; {name} is the contact's name */
  | { kind: 'task'; text: string }

/** When a step runs at all: skipped (and the flow goes on) when its condition does not hold. */
export type FlowCondition = { hasTag: string } | { notTag: string } | { notReplied: true }

export interface FlowStep {
  /** after the previous step (or the trigger), a duration like "10m", "3d" */
  delay: string
  when?: FlowCondition | undefined
  action: FlowAction
}

/** A lifecycle flow: a trigger and the steps that follow it. */
export interface FlowDefinition {
  key: string
  name: string
  trigger: FlowTrigger
  /** a contact who writes to us after the flow started leaves it */
  exitOnReply: boolean
  steps: FlowStep[]
}

export interface GrowthConfig {
  dimensions: TagDimension[]
  tags: TagDefinition[]
  rules: TagRule[]
  /** when the nightly rules run, "HH:MM" in the tenant's time zone (policy.timezone) */
  nightlyAt: string
  groupTypes: GroupType[]
  /** lifecycle flows (triggers → delayed steps) */
  flows: FlowDefinition[]
  /** how often the SOP calendar and the flows' triggers are looked at (a duration like "1m") */
  tickEvery: string
  /** churn early warning: weights and threshold (absent: no scores, no tasks) */
  churn?: ChurnConfig | undefined
  /** funnels: a contact converts when a case they spoke in is completed or they carry one of these tags */
  funnel?: { conversionTags: string[] } | undefined
  /** which friend requests to the bot account are accepted (absent: none) */
  friendRequests?: FriendRequestPolicy | undefined
}
