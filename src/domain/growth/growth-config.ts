import type { ChurnConfig } from './churn-score.js'

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
}

export interface GrowthConfig {
  dimensions: TagDimension[]
  tags: TagDefinition[]
  rules: TagRule[]
  /** when the nightly rules run, "HH:MM" in the tenant's time zone (policy.timezone) */
  nightlyAt: string
  groupTypes: GroupType[]
  /** churn early warning: weights and threshold (absent: no scores, no tasks) */
  churn?: ChurnConfig | undefined
  /** funnels: a contact converts when a case they spoke in is completed or they carry one of these tags */
  funnel?: { conversionTags: string[] } | undefined
}
