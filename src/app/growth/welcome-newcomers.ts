import { holdForQuietHours } from '../../domain/due-time.js'
import { groupTypeOf, rulesFiring } from '../../domain/growth/tag-rules.js'
import { renderTemplate } from '../../domain/render-template.js'
import { addContactTag } from './change-tags.js'
import { isCustomerSide, seenPerson, type GrowthDeps } from './growth-deps.js'

/** A room-join or room-leave as the WeCom adapter hands it over: transport-neutral. */
export interface MembershipChange {
  roomId: string
  roomTopic?: string
  members: Array<{ id: string; name: string }>
  at: Date
}

export type JoinOutcome = { kind: 'ignored' } | { kind: 'noted'; contacts: number; welcomed: number }

/**
 * Members joined a group: customer-side members of a watched customer group become contacts
 * with a `joined_group` event, join rules tag them, and a group with a typed welcome greets each
 * newcomer once (a unique row guards it; a second join is noted, not welcomed), through the
 * outbound queue and held until quiet hours end.
 */
export async function welcomeNewcomers(deps: GrowthDeps, change: MembershipChange): Promise<JoinOutcome> {
  const group = deps.directory.groupForRoom(change.roomId, change.roomTopic)
  if (!group || (group.kind !== 'customer' && group.kind !== 'public_customer')) return { kind: 'ignored' }
  const members = change.members.filter((m) => isCustomerSide(deps.directory, m.id))
  if (members.length === 0) return { kind: 'ignored' }
  const type = groupTypeOf(deps.cfg, group.key)
  const now = deps.clock.now()
  let welcomed = 0
  await deps.growth.transaction(async (tx) => {
    const ids = await tx.upsertContacts(
      members.map((m) => seenPerson(deps.directory, m.id, m.name)),
      now,
    )
    for (const m of members) {
      const contactId = ids.get(m.id)!
      await tx.appendEvents([{ contactId, kind: 'joined_group', groupKey: group.key, detail: type ? { groupType: type.key } : {}, at: change.at }])
      for (const rule of rulesFiring(deps.cfg, { event: 'joined_group', groupKey: group.key })) {
        await addContactTag(tx, deps.cfg, contactId, rule.addTag, { source: 'rule', by: rule.id }, now)
      }
      if (!type?.welcome) continue
      const welcomeId = await tx.claimWelcome(group.key, m.id, now)
      if (welcomeId === null) continue
      const name = seenPerson(deps.directory, m.id, m.name).name
      const sendAt = holdForQuietHours(now, deps.policy)
      const sendId = await tx.insertSend({ kind: 'welcome', groupKey: group.key, text: renderTemplate(type.welcome, { name }).text, notBefore: sendAt > now ? sendAt : null }, now)
      await tx.setWelcomeSend(welcomeId, sendId)
      await tx.noteOutbound(contactId, sendAt)
      welcomed++
    }
  })
  if (welcomed > 0) deps.sendsQueued?.()
  deps.log.info({ group: group.key, members: members.length, welcomed }, 'members joined a watched group')
  return { kind: 'noted', contacts: members.length, welcomed }
}

/** Members left (or were removed from) a watched customer group: a `left_group` event each. */
export async function noteMembersLeft(deps: GrowthDeps, change: MembershipChange): Promise<void> {
  const group = deps.directory.groupForRoom(change.roomId, change.roomTopic)
  if (!group || (group.kind !== 'customer' && group.kind !== 'public_customer')) return
  const members = change.members.filter((m) => isCustomerSide(deps.directory, m.id))
  if (members.length === 0) return
  const now = deps.clock.now()
  await deps.growth.transaction(async (tx) => {
    const ids = await tx.upsertContacts(
      members.map((m) => seenPerson(deps.directory, m.id, m.name)),
      now,
    )
    await tx.appendEvents(members.map((m) => ({ contactId: ids.get(m.id)!, kind: 'left_group' as const, groupKey: group.key, at: change.at })))
  })
}
