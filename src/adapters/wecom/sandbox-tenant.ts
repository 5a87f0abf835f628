import type { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import { FileBox } from 'file-box'
import { types as PuppetTypes } from 'wechaty-puppet'
import { PuppetMock, mock } from 'wechaty-puppet-mock'
import type { Tenant } from '../../config/load-tenant.js'
import type { GroupConfig } from '../../config/tenant-schema.js'
import type { Role } from '../../domain/types.js'
import { AppError } from '../../app/errors.js'
import { accountsInGroup, accountsOf, type Account } from '../../domain/accounts.js'

/** One line of what people in a simulated group see. */
export interface TranscriptLine {
  at: string
  groupKey: string | null
  roomId: string
  talkerId: string
  talkerName: string
  text: string
  type: 'text' | 'image' | 'file'
}

export interface SayInput {
  /** person id or display name (names are fine here: this only drives the simulation) */
  as: string
  /** group key, room id or topic; omit for a direct message to the bot */
  group?: string
  text?: string
  /** send an image (a tiny PNG) instead of text, optionally with a file name */
  image?: boolean | string
  /** person ids or names to @mention */
  mentions?: string[]
  /**
   * WeCom's own time stamp for the message (default now). Two accounts in one group hear the
   * same message with the same stamp; a test simulating that gives both tenants the same `at`.
   */
  at?: Date
}

/** Builds the sandbox's puppet on its mocker; tests pass a subclass that emits what the mock cannot. */
export type SandboxPuppetFactory = (mocker: mock.Mocker) => PuppetMock

const MAX_TRANSCRIPT = 500
// 1×1 transparent PNG: enough for the recording path to see a real image attachment.
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

/**
 * The sandbox: a wechaty-puppet-mock tenant built from the tenant file, with every declared
 * person as a contact and every group as a room, plus a transcript of what each room shows.
 */
export class SandboxTenant {
  readonly mocker = new mock.Mocker()
  readonly puppet: PuppetMock
  private readonly contacts = new Map<string, mock.ContactMock>()
  private readonly rooms = new Map<string, { room: mock.RoomMock; group: GroupConfig }>()
  private readonly transcripts = new Map<string, TranscriptLine[]>()
  private botContact?: mock.ContactMock
  /** the WeCom account this simulated tenant logs in as; only its groups exist here */
  private readonly account: Account
  private readonly accounts: Account[]

  constructor(
    private readonly tenant: Tenant,
    accountKey?: string,
    puppet?: SandboxPuppetFactory,
  ) {
    this.puppet = puppet ? puppet(this.mocker) : new PuppetMock({ mocker: this.mocker })
    this.accounts = accountsOf(tenant)
    this.account = this.accounts.find((a) => a.key === accountKey) ?? this.accounts[0]!
  }

  /** Creates contacts and rooms and logs the bot in. Call after the Wechaty has started. */
  populate(): void {
    const bot = this.botRef()
    this.botContact = this.mocker.createContact({ id: bot.id, name: bot.name })
    for (const p of this.tenant.people) this.contacts.set(p.id, this.mocker.createContact({ id: p.id, name: p.name }))
    for (const g of this.tenant.groups) {
      if (!accountsInGroup(g, this.accounts).includes(this.account.key)) continue
      const id = g.id ?? `r-${g.key}@chatroom`
      const room = this.mocker.createRoom({ id, topic: g.topic ?? g.key, memberIdList: [bot.id, ...this.membersOf(g)] })
      this.rooms.set(g.key, { room, group: g })
      this.transcripts.set(g.key, [])
      // RoomMock is an EventEmitter; its typings depend on a package the mock does not ship.
      ;(room as unknown as EventEmitter).on('message', (m: mock.MessageMock) => this.remember(g.key, id, m))
    }
    this.mocker.login(this.botContact)
  }

  /**
   * Behind a local puppet-service gateway: a client's `stop` RPC stops this puppet, and a real
   * provider's puppet logs back in by itself when started again; make the mock do the same.
   */
  loginAgainOnStart(): void {
    this.puppet.on('start', () => {
      if (!this.puppet.isLoggedIn && this.botContact) this.mocker.login(this.botContact)
    })
  }

  /** Who sits in each simulated room, derived from roles (an executor may be outside the group). */
  private membersOf(g: GroupConfig): string[] {
    const staff = this.tenant.people.filter((p) => p.roles.includes('handler') || p.roles.includes('supervisor')).map((p) => p.id)
    switch (g.kind) {
      case 'internal':
        return staff
      case 'partner':
        return [...this.tenant.partners.filter((p) => p.group === g.key).flatMap((p) => p.staff), ...staff]
      case 'customer':
      case 'public_customer': {
        const contacts = this.tenant.customers.filter((c) => c.group === g.key || g.kind === 'public_customer').map((c) => c.contact)
        return [...new Set([...contacts, ...staff])]
      }
    }
  }

  /** Makes a person say something in a group (or to the bot directly). */
  say(input: SayInput): void {
    const talker = this.contactFor(input.as)
    const mentions = (input.mentions ?? []).map((m) => this.contactFor(m))
    const content = input.image ? FileBox.fromBase64(TINY_PNG, typeof input.image === 'string' ? input.image : 'photo.png') : (input.text ?? '')
    if (!input.image && content === '') throw new AppError('bad_request', 'text or image is required', { field: 'text' })
    if (input.group === undefined) {
      if (!this.botContact) throw new AppError('dependency_down', 'sandbox not populated')
      talker.say(content, mentions).to(this.botContact)
      return
    }
    if (input.at !== undefined) return this.sayAt(talker, this.entryFor(input.group).room, content, mentions, input.at)
    const target = this.roomFor(input.group)
    target.say(talker, content, mentions)
  }

  /** A group message with a given time stamp (the mock's own `say` always stamps it now). */
  private sayAt(talker: mock.ContactMock, room: mock.RoomMock, content: string | FileBox, mentions: mock.ContactMock[], at: Date): void {
    const id = `msg-${randomUUID()}`
    const image = typeof content !== 'string'
    if (image) this.mocker.cacheFileBoxPayload.set(id, content.toJSON())
    this.mocker.MessageMock.create({
      id,
      talkerId: talker.id,
      roomId: room.id,
      mentionIdList: mentions.map((c) => c.id),
      timestamp: at.getTime(),
      type: image ? PuppetTypes.Message.Image : PuppetTypes.Message.Text,
      ...(image ? {} : { text: content }),
    })
    this.mocker.puppet.emit('message', { messageId: id })
  }

  /**
   * Someone joins a group, as Wechaty's room-join reports it. A newcomer the tenant file does not
   * list gets a contact of their own (id derived from the name unless given), so they can speak
   * afterwards. Returns the contact id.
   */
  join(group: string, person: { id?: string; name: string }): string {
    const entry = this.entryFor(group)
    const contact = this.contact(person)
    entry.room.add(contact).by(this.botContact)
    return contact.id
  }

  /** A contact of the simulation by id or name, created (as a newcomer) when unknown. */
  contact(person: { id?: string; name: string }): mock.ContactMock {
    const id = person.id ?? `wx-guest-${Buffer.from(person.name).toString('hex').slice(0, 24)}`
    let contact = this.contacts.get(id)
    if (!contact) {
      contact = this.mocker.createContact({ id, name: person.name })
      this.contacts.set(id, contact)
    }
    return contact
  }

  /** Someone leaves a group (room-leave). */
  leave(group: string, as: string): void {
    this.entryFor(group).room.remove(this.contactFor(as)).by(this.botContact)
  }

  private entryFor(ref: string): { room: mock.RoomMock; group: GroupConfig } {
    for (const [key, entry] of this.rooms) if (key === ref || entry.room.id === ref || entry.group.topic === ref) return entry
    throw new AppError('not_found', `no sandbox group ${JSON.stringify(ref)}`, { field: 'group' })
  }

  private roomFor(ref: string): { say: (c: mock.ContactMock, content: string | FileBox, mentions: mock.ContactMock[]) => void } {
    for (const [key, entry] of this.rooms) {
      if (key === ref || entry.room.id === ref || entry.group.topic === ref) {
        return { say: (c, content, mentions) => c.say(content, mentions).to(entry.room) }
      }
    }
    throw new AppError('not_found', `no sandbox group ${JSON.stringify(ref)}`, { field: 'group' })
  }

  private contactFor(ref: string): mock.ContactMock {
    const byId = this.contacts.get(ref)
    if (byId) return byId
    const person = this.tenant.people.find((p) => p.name === ref)
    const byName = person ? this.contacts.get(person.id) : undefined
    if (byName) return byName
    // a newcomer who joined a group (join): by display name
    for (const c of this.contacts.values()) if (c.payload.name === ref) return c
    throw new AppError('not_found', `no sandbox person ${JSON.stringify(ref)}`, { field: 'as' })
  }

  transcript(groupKey: string): TranscriptLine[] {
    const lines = this.transcripts.get(groupKey)
    if (!lines) throw new AppError('not_found', `no sandbox group ${JSON.stringify(groupKey)}`, { field: 'group' })
    return lines
  }

  /** The simulated groups, each with the person a newcomer most likely wants to speak as there. */
  groups(): Array<{ key: string; kind: string; topic: string; roomId: string; defaultSpeaker: string | null }> {
    return [...this.rooms.values()].map(({ room, group }) => ({ key: group.key, kind: group.kind, topic: group.topic ?? group.key, roomId: room.id, defaultSpeaker: this.plausibleSpeaker(group) }))
  }

  /**
   * Who plausibly speaks in a group: a handler in the internal group (so /help works), the
   * partner's staff in their coordination group, the customer's contact in a customer group.
   */
  plausibleSpeaker(g: Pick<GroupConfig, 'key' | 'kind'> | null): string | null {
    const withRole = (role: Role) => this.tenant.people.find((p) => p.roles.includes(role))?.id ?? null
    if (g === null) return withRole('handler') ?? withRole('supervisor')
    switch (g.kind) {
      case 'internal':
        return withRole('handler') ?? withRole('supervisor')
      case 'partner':
        return this.tenant.partners.find((p) => p.group === g.key)?.staff[0] ?? withRole('partner')
      case 'customer':
        return this.tenant.customers.find((c) => c.group === g.key)?.contact ?? withRole('customer_contact')
      case 'public_customer':
        return this.tenant.customers[0]?.contact ?? withRole('customer_contact')
    }
  }

  /** The bot as people see it in the simulator. */
  botRef(): { id: string; name: string } {
    return { id: this.account.wecomId ?? 'wx-baton', name: this.account.displayName }
  }

  people(): Array<{ id: string; name: string; roles: string[] }> {
    return this.tenant.people.map((p) => ({ id: p.id, name: p.name, roles: p.roles }))
  }

  private remember(groupKey: string, roomId: string, m: mock.MessageMock): void {
    const lines = this.transcripts.get(groupKey)
    if (!lines) return
    const talker = m.talker()
    const text = m.text() ?? ''
    const type = m.type() === PuppetTypes.Message.Image ? 'image' : m.type() === PuppetTypes.Message.Attachment ? 'file' : 'text'
    lines.push({ at: new Date().toISOString(), groupKey, roomId, talkerId: talker.id, talkerName: talker.payload.name, text, type })
    if (lines.length > MAX_TRANSCRIPT) lines.splice(0, lines.length - MAX_TRANSCRIPT)
  }
}
