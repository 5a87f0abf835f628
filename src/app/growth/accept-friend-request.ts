import { holdForQuietHours } from '../../domain/due-time.js'
import { decideFriendRequest, type FriendRequestDecision } from '../../domain/growth/friend-requests.js'
import { renderTemplate } from '../../domain/render-template.js'
import { seenPerson, type GrowthDeps } from './growth-deps.js'

/** A friend request to the bot account, as the WeCom adapter hands it over: transport-neutral. */
export interface FriendRequest {
  /** the transport's id of the request, what accepting it names */
  requestId: string
  wecomId: string
  name: string
  /** what the requester wrote with the request */
  hello: string
  at: Date
}

/** Accepts friend requests on the bot account (Wechaty today; an official-API adapter later). */
export interface FriendRequestPort {
  acceptFriendRequest(requestId: string): Promise<void>
}

/**
 * A friend request arrived: the growth policy decides; an accepted one is accepted through the
 * port, the requester becomes a contact with a `friend_added` event, and the configured hello is
 * queued to them (held through quiet hours). A declined one is only logged: a person may still
 * accept it on the phone.
 */
export async function acceptFriendRequest(deps: GrowthDeps, port: FriendRequestPort, req: FriendRequest): Promise<FriendRequestDecision> {
  const policy = deps.cfg.friendRequests ?? { accept: 'never' as const }
  const listed = deps.directory.person(req.wecomId)
  const seen = listed ? [] : await deps.growth.findContacts(req.wecomId)
  const decision = decideFriendRequest(policy, {
    listedCustomer: listed?.roles.includes('customer_contact') === true,
    listedOther: listed !== undefined && !listed.roles.includes('customer_contact'),
    seenContact: seen.some((c) => c.wecomId === req.wecomId),
  })
  if (!decision.accept) {
    deps.log.info({ wecomId: req.wecomId, reason: decision.reason }, 'friend request not accepted by policy')
    return decision
  }
  await port.acceptFriendRequest(req.requestId)
  const now = deps.clock.now()
  let queued = false
  await deps.growth.transaction(async (tx) => {
    const person = seenPerson(deps.directory, req.wecomId, req.name)
    const contactId = (await tx.upsertContacts([person], now)).get(req.wecomId)!
    await tx.appendEvents([{ contactId, kind: 'friend_added', detail: { reason: decision.reason, requestId: req.requestId }, at: req.at }])
    if (!policy.hello) return
    const sendAt = holdForQuietHours(now, deps.policy)
    await tx.insertSend({ kind: 'welcome', contactId: req.wecomId, text: renderTemplate(policy.hello, { name: person.name }).text, notBefore: sendAt > now ? sendAt : null }, now)
    await tx.noteOutbound(contactId, sendAt)
    queued = true
  })
  if (queued) deps.sendsQueued?.()
  deps.log.info({ wecomId: req.wecomId, reason: decision.reason }, 'friend request accepted')
  return decision
}
