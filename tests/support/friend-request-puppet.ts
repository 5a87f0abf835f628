import { types as PuppetTypes } from 'wechaty-puppet'
import { PuppetMock, type mock } from 'wechaty-puppet-mock'

/**
 * wechaty-puppet-mock has no friend requests: this subclass keeps request payloads, emits
 * `friendship` the way a real puppet does, and records which requests were accepted.
 */
export class FriendRequestPuppet extends PuppetMock {
  private readonly requests = new Map<string, { id: string; contactId: string; hello: string; type: PuppetTypes.Friendship; timestamp: number }>()
  readonly accepted: string[] = []
  private next = 0

  constructor(mocker: mock.Mocker) {
    super({ mocker })
  }

  /** `contactId` asks the bot to be friends; returns the request's id. */
  requestFriendship(contactId: string, hello: string): string {
    const id = `friendship-${++this.next}`
    this.requests.set(id, { id, contactId, hello, type: PuppetTypes.Friendship.Receive, timestamp: Date.now() })
    this.emit('friendship', { friendshipId: id })
    return id
  }

  override async friendshipRawPayload(id: string): Promise<any> {
    return this.requests.get(id) ?? { id }
  }

  override async friendshipAccept(friendshipId: string): Promise<void> {
    this.accepted.push(friendshipId)
  }
}
