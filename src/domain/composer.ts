import type { CompletionProof, Knowledge, TemplateCategory, TemplateEntry } from './knowledge.js'
import { localDay } from './local-day.js'
import { renderTemplate } from './render-template.js'
import type { ServiceType } from './types.js'

export type ComposeOutcome = { ok: true; text: string; templateId: string; templateVersion: number; templateHash: string } | { ok: false; code: 'no_template' | 'missing_fact'; detail: string }

/**
 * Customer-safe text from approved wording. Facts are case fields (names, order numbers, item
 * lists, labels), never what a partner or staff member typed. A missing fact is an error, not
 * an empty hole in the sentence.
 */
export function composeCustomerDraft(
  req: { category: TemplateCategory; serviceType: ServiceType; facts: Record<string, string | undefined>; now: Date; timeZone: string },
  knowledge: Knowledge,
): ComposeOutcome {
  const template = pickTemplate(knowledge.templates, req.category, req.serviceType, req.now, req.timeZone, req.facts)
  if (!template) return { ok: false, code: 'no_template', detail: `no approved template for ${req.category}/${req.serviceType}` }
  const { text, missing } = renderTemplate(template.text, req.facts)
  if (missing.length > 0) return { ok: false, code: 'missing_fact', detail: `${template.id} needs ${missing.join(', ')}` }
  return { ok: true, text, templateId: template.id, templateVersion: template.version, templateHash: template.hash }
}

/**
 * Specific (service type listed) beats generic; campaign entries only inside their dates, read as
 * the tenant's calendar days (a campaign ending on the 11th has ended at 00:30 on the 12th there).
 * Of a category's entries the first the case's facts can fill is taken: an entry that says more
 * (the time a partner proposed beside the items asked for) is listed before the plainer one, and
 * a case without that fact gets the plainer wording instead of no draft.
 */
function pickTemplate(all: readonly TemplateEntry[], category: TemplateCategory, serviceType: ServiceType, now: Date, timeZone: string, facts: Record<string, string | undefined>): TemplateEntry | undefined {
  const day = localDay(now, timeZone) ?? now.toISOString().slice(0, 10)
  const live = all.filter((t) => t.category === category && (!t.validFrom || t.validFrom <= day) && (!t.validTo || day <= t.validTo))
  const specific = live.filter((t) => t.serviceTypes?.includes(serviceType))
  const generic = live.filter((t) => !t.serviceTypes || t.serviceTypes.length === 0)
  const candidates = specific.length > 0 ? specific : generic
  // none can be filled: the one missing least, whose error names what the case lacks
  let best: { t: TemplateEntry; missing: number } | undefined
  for (const t of candidates) {
    const missing = renderTemplate(t.text, facts).missing.length
    if (missing === 0) return t
    if (!best || missing < best.missing) best = { t, missing }
  }
  return best?.t
}

export function materialItemsFor(serviceType: ServiceType, knowledge: Knowledge): string[] {
  return knowledge.materials[serviceType] ?? []
}

export function proofRequiredFor(serviceType: ServiceType, knowledge: Knowledge): CompletionProof {
  return knowledge.completion[serviceType] ?? 'none'
}
