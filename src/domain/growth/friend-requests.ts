/**
 * Friend requests to the bot account (issue 20): accepted only when the tenant's policy says so.
 * `known_customers` accepts a person the tenant file lists on the customer side or a contact
 * Baton has already seen in a customer group; staff and strangers are left for a person to judge.
 */
export type FriendRequestAccept = 'never' | 'known_customers' | 'always'

export interface FriendRequestPolicy {
  accept: FriendRequestAccept
  /** sent to the new friend once accepted (customer wording, Chinese); {name} is their name */
  hello?: string | undefined
}

/** Who asked, as far as Baton knows them. */
export interface FriendRequester {
  /** listed in the tenant file as a customer contact */
  listedCustomer: boolean
  /** listed in the tenant file as staff, partner or the bot: never a customer */
  listedOther: boolean
  /** already a contact (seen in a watched customer group or a direct chat) */
  seenContact: boolean
}

export type FriendRequestDecision = { accept: true; reason: 'always' | 'listed_customer' | 'seen_contact' } | { accept: false; reason: 'policy_never' | 'not_a_known_customer' }

export function decideFriendRequest(policy: FriendRequestPolicy, who: FriendRequester): FriendRequestDecision {
  switch (policy.accept) {
    case 'never':
      return { accept: false, reason: 'policy_never' }
    case 'always':
      return { accept: true, reason: 'always' }
    case 'known_customers':
      if (who.listedOther) return { accept: false, reason: 'not_a_known_customer' }
      if (who.listedCustomer) return { accept: true, reason: 'listed_customer' }
      if (who.seenContact) return { accept: true, reason: 'seen_contact' }
      return { accept: false, reason: 'not_a_known_customer' }
  }
}
