import type { GrowthConfig } from '../../domain/growth/growth-config.js'
import { planTagAdd, findTag } from '../../domain/growth/tag-plan.js'
import type { GrowthTx, TagSource } from './growth-ports.js'

export type TagChange = { kind: 'added'; tag: string; replaced: string[] } | { kind: 'already'; tag: string } | { kind: 'unknown_tag'; tag: string }

export type UntagChange = { kind: 'removed'; tag: string } | { kind: 'not_tagged'; tag: string } | { kind: 'unknown_tag'; tag: string }

/**
 * Adds a tag inside the caller's transaction: the other tag of an exclusive dimension is removed,
 * each change is a contact event saying who or what did it, and a stage dimension moves the
 * contact's stage. `by` is a person id (manual), a rule id (rule) or a case id (case).
 */
export async function addContactTag(tx: GrowthTx, cfg: GrowthConfig, contactId: number, tag: string, who: { source: TagSource; by: string }, at: Date): Promise<TagChange> {
  const plan = planTagAdd(cfg, await tx.liveTags(contactId), tag)
  if (plan.kind !== 'add') return plan
  for (const old of plan.replaces) {
    if (await tx.removeTag(contactId, old, who.by, at)) {
      await tx.appendEvents([{ contactId, kind: 'tag_removed', detail: { tag: old, dimension: plan.dimension, source: who.source, by: who.by, replacedBy: plan.tag }, at }])
    }
  }
  if (!(await tx.addTag(contactId, { tag: plan.tag, dimension: plan.dimension, source: who.source, by: who.by, at }))) return { kind: 'already', tag: plan.tag }
  await tx.appendEvents([{ contactId, kind: 'tag_added', detail: { tag: plan.tag, dimension: plan.dimension, source: who.source, by: who.by }, at }])
  if (cfg.dimensions.find((d) => d.key === plan.dimension)?.stage) await tx.setStage(contactId, plan.tag, at)
  return { kind: 'added', tag: plan.tag, replaced: plan.replaces }
}

/** Removes a tag inside the caller's transaction, with its contact event. */
export async function removeContactTag(tx: GrowthTx, cfg: GrowthConfig, contactId: number, tag: string, who: { source: TagSource; by: string }, at: Date): Promise<UntagChange> {
  const def = findTag(cfg, tag)
  if (!def) return { kind: 'unknown_tag', tag }
  if (!(await tx.removeTag(contactId, def.name, who.by, at))) return { kind: 'not_tagged', tag: def.name }
  await tx.appendEvents([{ contactId, kind: 'tag_removed', detail: { tag: def.name, dimension: def.dimension, source: who.source, by: who.by }, at }])
  if (cfg.dimensions.find((d) => d.key === def.dimension)?.stage) await tx.setStage(contactId, null, at)
  return { kind: 'removed', tag: def.name }
}
