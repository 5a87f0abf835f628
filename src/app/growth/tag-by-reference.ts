import { AppError } from '../errors.js'
import { addContactTag, removeContactTag, type TagChange, type UntagChange } from './change-tags.js'
import type { GrowthDeps } from './growth-deps.js'
import type { ContactSummary, TagView } from './growth-ports.js'

/**
 * The contact a person means by `ref` (a name, WeCom id or declared person id; a contact id from
 * the API). Not found and ambiguous are AppErrors the chat and the API answer in their own words.
 */
export async function resolveContact(deps: Pick<GrowthDeps, 'growth'>, ref: string | number): Promise<ContactSummary> {
  if (typeof ref === 'number') {
    const c = await deps.growth.contact(ref)
    if (!c) throw new AppError('not_found', `contact ${ref} does not exist`, { entity: 'contact', ref: String(ref) })
    return c
  }
  const found = await deps.growth.findContacts(ref.trim())
  if (found.length === 0) throw new AppError('not_found', `no contact named ${ref}`, { entity: 'contact', ref })
  if (found.length > 1) throw new AppError('conflict', `${found.length} contacts are named ${ref}`, { reason: 'ambiguous_contact', ref, ids: found.map((c) => c.id) })
  return found[0]!
}

/** A person tags a contact by hand (chat or API). */
export async function tagContact(deps: GrowthDeps, ref: string | number, tag: string, by: string): Promise<{ contact: ContactSummary; change: TagChange }> {
  const contact = await resolveContact(deps, ref)
  const change = await deps.growth.transaction((tx) => addContactTag(tx, deps.cfg, contact.id, tag, { source: 'manual', by }, deps.clock.now()))
  if (change.kind === 'unknown_tag') throw new AppError('not_found', `no tag ${tag}`, { entity: 'tag', ref: tag })
  deps.log.info({ contact: contact.id, tag: change.tag, by, result: change.kind }, 'contact tagged by hand')
  return { contact, change }
}

/** A person removes a tag from a contact (chat or API). */
export async function untagContact(deps: GrowthDeps, ref: string | number, tag: string, by: string): Promise<{ contact: ContactSummary; change: UntagChange }> {
  const contact = await resolveContact(deps, ref)
  const change = await deps.growth.transaction((tx) => removeContactTag(tx, deps.cfg, contact.id, tag, { source: 'manual', by }, deps.clock.now()))
  if (change.kind === 'unknown_tag') throw new AppError('not_found', `no tag ${tag}`, { entity: 'tag', ref: tag })
  deps.log.info({ contact: contact.id, tag: change.tag, by, result: change.kind }, 'contact tag removed by hand')
  return { contact, change }
}

/** A contact's live tags with who/what applied each and when. */
export async function contactTags(deps: Pick<GrowthDeps, 'growth'>, ref: string | number): Promise<{ contact: ContactSummary; tags: TagView[] }> {
  const contact = await resolveContact(deps, ref)
  return { contact, tags: await deps.growth.tagsOf(contact.id) }
}
