import { describe, expect, it } from 'vitest'
import { decideFriendRequest } from '../../src/domain/growth/friend-requests.js'
import { growthSchema } from '../../src/config/growth-schema.js'

const stranger = { listedCustomer: false, listedOther: false, seenContact: false }

describe('friend requests: accepted only when the policy says so', () => {
  it('never accepts nobody, always accepts anyone', () => {
    expect(decideFriendRequest({ accept: 'never' }, { ...stranger, listedCustomer: true })).toEqual({ accept: false, reason: 'policy_never' })
    expect(decideFriendRequest({ accept: 'always' }, stranger)).toEqual({ accept: true, reason: 'always' })
  })

  it('known_customers accepts a listed customer or a seen contact; refuses strangers and staff (even seen)', () => {
    const p = { accept: 'known_customers' as const }
    expect(decideFriendRequest(p, { ...stranger, listedCustomer: true })).toEqual({ accept: true, reason: 'listed_customer' })
    expect(decideFriendRequest(p, { ...stranger, seenContact: true })).toEqual({ accept: true, reason: 'seen_contact' })
    expect(decideFriendRequest(p, stranger)).toEqual({ accept: false, reason: 'not_a_known_customer' })
    expect(decideFriendRequest(p, { ...stranger, listedOther: true, seenContact: true })).toEqual({ accept: false, reason: 'not_a_known_customer' })
  })

  it('the growth file: an unknown policy word is refused; churn.sweepEvery is at least a minute', () => {
    expect(growthSchema.safeParse({ friendRequests: { accept: 'sometimes' } }).success).toBe(false)
    expect(growthSchema.parse({ friendRequests: { accept: 'known_customers', hello: '您好' } }).friendRequests).toEqual({ accept: 'known_customers', hello: '您好' })
    const churn = {
      threshold: 50,
      silence: { afterDays: 7, perDay: 3, max: 45 },
      decline: { ratio: 0.5, minPrevious: 4, points: 20 },
      leftTypedGroup: 30,
      stalledCase: { afterDays: 3, points: 20 },
      complaint: 25,
      negativeWording: { points: 10 },
    }
    expect(growthSchema.safeParse({ churn: { ...churn, sweepEvery: '30s' } }).success).toBe(false)
    expect(growthSchema.parse({ churn: { ...churn, sweepEvery: '2m' } }).churn?.sweepEvery).toBe('2m')
  })
})
