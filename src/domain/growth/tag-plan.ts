import type { GrowthConfig } from './growth-config.js'

/** A tag a contact carries now (a live contact_tags row). */
export interface LiveTag {
  tag: string
  dimension: string
}

export type TagPlan =
  { kind: 'unknown_tag'; tag: string } | { kind: 'already'; tag: string } | { kind: 'add'; tag: string; dimension: string; /** tags of the same exclusive dimension that give way */ replaces: string[] }

/**
 * What adding `tag` to a contact that carries `live` means: an unknown tag is refused, a tag the
 * contact already carries changes nothing, and in an exclusive dimension (a lifecycle stage) the
 * other tag of that dimension is removed.
 */
export function planTagAdd(cfg: Pick<GrowthConfig, 'tags' | 'dimensions'>, live: readonly LiveTag[], tag: string): TagPlan {
  const def = findTag(cfg, tag)
  if (!def) return { kind: 'unknown_tag', tag }
  if (live.some((l) => l.tag === def.name)) return { kind: 'already', tag: def.name }
  const exclusive = cfg.dimensions.find((d) => d.key === def.dimension)?.exclusive ?? false
  return { kind: 'add', tag: def.name, dimension: def.dimension, replaces: exclusive ? live.filter((l) => l.dimension === def.dimension).map((l) => l.tag) : [] }
}

/** A declared tag by name; case-insensitive for Latin letters (`vip` finds `VIP`). */
export function findTag(cfg: Pick<GrowthConfig, 'tags'>, name: string): GrowthConfig['tags'][number] | undefined {
  const wanted = name.trim().normalize('NFKC').toLowerCase()
  return cfg.tags.find((t) => t.name.normalize('NFKC').toLowerCase() === wanted)
}
