import { z } from 'zod'
import { normalizeText } from '../domain/understanding/normalize-text.js'
import { readYamlConfig } from './read-yaml-config.js'

import { CATALOGUE_ITEM_KINDS, type Catalogue } from '../domain/understanding/requested-items.js'

// a synonym that normalizes to nothing (only spaces or invisible characters) would match everywhere
const synonym = z.string().refine((s) => normalizeText(s).length > 0, 'expected a word or phrase (not blank, not only invisible characters)')

export const catalogueItemSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lowercase key (letters, digits, underscores)'),
    label: z.string().trim().min(1, 'expected the customer-facing wording'),
    synonyms: z.array(synonym).min(1, 'expected at least one synonym'),
    kind: z.enum(CATALOGUE_ITEM_KINDS),
  })
  .strict()

/**
 * config/understanding/catalogue.yaml: the items Baton may ask a customer for. Keys are unique, and a synonym
 * belongs to one item only — otherwise which item a partner meant would depend on file order.
 */
export const catalogueSchema = z
  .object({ items: z.array(catalogueItemSchema).min(1, 'expected at least one item') })
  .strict()
  .superRefine((cat, ctx) => {
    const keys = new Map<string, number>()
    const owners = new Map<string, string>()
    cat.items.forEach((item, i) => {
      if (keys.has(item.key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['items', i, 'key'], message: `a unique key; "${item.key}" is also items[${keys.get(item.key)}]` })
      keys.set(item.key, i)
      item.synonyms.forEach((s, j) => {
        const n = normalizeText(s)
        const owner = owners.get(n)
        if (owner !== undefined && owner !== item.key)
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['items', i, 'synonyms', j], message: `a synonym of one item only; "${s}" is also a synonym of ${owner}` })
        owners.set(n, item.key)
      })
    })
  })

// the domain owns the vocabulary; the schema must produce exactly that shape
export type { Catalogue, CatalogueItem } from '../domain/understanding/requested-items.js'
const _fits: (c: z.infer<typeof catalogueSchema>) => Catalogue = (c) => c
void _fits

/** Reads and validates a catalogue file; a broken file throws a ConfigError whose lines name the file. */
export function loadCatalogue(path: string): Catalogue {
  return readYamlConfig(path, catalogueSchema)
}
