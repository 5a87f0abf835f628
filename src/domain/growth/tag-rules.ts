import type { GrowthConfig, TagRule } from './growth-config.js'
import { normalizeText } from '../understanding/normalize-text.js'

/** Something that happened to a contact that rules may react to. */
export type ContactHappening = { event: 'joined_group'; groupKey: string } | { event: 'message'; text: string } | { event: 'complaint_case'; caseId: number }

/** The rules that fire for one happening (event rules only; nightly rules are swept apart). */
export function rulesFiring(cfg: Pick<GrowthConfig, 'rules' | 'groupTypes'>, h: ContactHappening): TagRule[] {
  return cfg.rules.filter((r) => {
    if (r.when.event === 'joined_group' && h.event === 'joined_group') return groupTypeOf(cfg, h.groupKey)?.key === r.when.groupType
    if (r.when.event === 'message' && h.event === 'message') {
      const text = normalizeText(h.text).toLowerCase()
      return r.when.keywords.some((k) => text.includes(normalizeText(k).toLowerCase()))
    }
    return r.when.event === 'complaint_case' && h.event === 'complaint_case'
  })
}

/** The type a watched group is declared with, if any. */
export function groupTypeOf(cfg: Pick<GrowthConfig, 'groupTypes'>, groupKey: string): GrowthConfig['groupTypes'][number] | undefined {
  return cfg.groupTypes.find((t) => t.groups.includes(groupKey))
}

/**
 * The moment before which a contact's last inbound message makes it dormant under a nightly
 * rule: `silentDays` whole days before `now`.
 */
export function silentSince(now: Date, silentDays: number): Date {
  return new Date(now.getTime() - silentDays * 86_400_000)
}
