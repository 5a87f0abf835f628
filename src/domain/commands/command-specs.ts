import type { TemplateCategory } from '../knowledge.js'
import type { CaseState, ServiceType } from '../types.js'

/**
 * The chat command grammar, declared once (Bolt-like: exact names, no overlapping regexes).
 * Usage lines and help live in config/wording/commands.yaml under each command's `usageKey`.
 *
 * Id syntax: a draft is `12`, `#12` or `d12`; a case is `12`, `#12` or `c12` (`＃`, full-width
 * digits and upper case work too). A prefix that names the other kind (`/approve c12`) is refused.
 * `/take` decides what is taken: `/take 12` and `/take d12` take a draft; `/take c12`,
 * `/take case 12` and `/take 案件 12` take a case.
 */

export const CASE_FILTERS = ['open', 'waiting', 'overdue', 'mine'] as const
export type CaseFilter = (typeof CASE_FILTERS)[number]

export const STATS_PERIODS = ['7d', '30d'] as const
export type StatsPeriod = (typeof STATS_PERIODS)[number]

/** What a parsed command carries, one member per command. */
export type Command =
  | { name: 'help'; topic: CommandName | null }
  | { name: 'approve'; draftId: number; force: boolean }
  | { name: 'edit'; draftId: number; text: string }
  | { name: 'reject'; draftId: number; reason: string | null }
  | { name: 'take'; target: 'draft' | 'case'; id: number }
  | { name: 'case'; caseId: number }
  | { name: 'cases'; filter: CaseFilter }
  | { name: 'open'; customer: string; serviceType: ServiceType; note: string | null }
  | { name: 'wait'; caseId: number; state: CaseState; dueInMs: number | null }
  | { name: 'done'; caseId: number; note: string | null }
  | { name: 'cancel'; caseId: number; reason: string }
  // mention: the token as typed ('@张太太'); mentionIndex: its place among every @-token of the
  // message, leading ones included, so the adapter can pick the id from WeCom's mention list
  | { name: 'executor'; caseId: number; mention: string; mentionIndex: number }
  | { name: 'assign'; caseId: number; mention: string; mentionIndex: number }
  | { name: 'remind'; caseId: number; inMs: number } // 0 = now
  | { name: 'snooze'; caseId: number; forMs: number; reason: string | null }
  | { name: 'stats'; period: StatsPeriod }
  | { name: 'recall'; draftId: number }
  | { name: 'auto'; category: TemplateCategory; enabled: boolean }
  // growth (issue 20): a contact by name, WeCom id or person id, and a declared tag name
  | { name: 'tag'; contact: string; tag: string }
  | { name: 'untag'; contact: string; tag: string }
  | { name: 'tags'; contact: string }
  // churn early warning: `/churn` lists open tasks, `/churn close <task> <outcome> [note]` closes one
  | { name: 'churn'; action: 'list' | 'close'; task: string | null; outcome: string | null; note: string | null }

export type CommandName = Command['name']

export type ArgKind =
  | 'draft_id' // 12, #12, d12
  | 'case_id' // 12, #12, c12
  | 'take_target' // a draft id, a c-prefixed case id, or `case`/`draft` then an id; fills target + id
  | 'flag' // the literal word in values[0]: true when present
  | 'enum' // one of values, case-insensitive
  | 'service_type' // a SERVICE_TYPES value or a Chinese short label (SERVICE_TYPE_ALIASES)
  | 'case_state' // a CASE_STATES value
  | 'category' // a template category
  | 'switch' // on | off
  | 'duration' // one token: 2h, 30m, 1天
  | 'in_duration' // [in] <duration> up to the end of the line ('in 1d 12h', 'in 2 小时')
  | 'when' // now | [in] <duration>; omitted means now (0)
  | 'mention' // @name; fills mention + mentionIndex
  | 'word' // one token as typed
  | 'rest' // the rest of the line, inner spacing kept
  | 'command_name' // a command name or alias (help topic)

export interface ArgSpec {
  /** the field of the parsed command it fills */
  readonly name: string
  readonly kind: ArgKind
  readonly optional?: boolean
  /** the value when an optional argument is omitted (null when not given) */
  readonly default?: string | number | boolean
  readonly values?: readonly string[]
}

export interface CommandSpec<N extends CommandName = CommandName> {
  readonly name: N
  /** other names typed after the slash; only words that cannot mean another command */
  readonly aliases?: readonly string[]
  readonly args: readonly ArgSpec[]
  /** every command is for handlers and supervisors only; the router checks it */
  readonly staffOnly: true
  readonly supervisorOnly: boolean
  /** key of the usage line and help summary in config/wording/commands.yaml */
  readonly usageKey: string
}

/** Help order: review first, then cases, timers, operations. */
export const COMMAND_NAMES = [
  'help',
  'approve',
  'edit',
  'reject',
  'take',
  'case',
  'cases',
  'open',
  'wait',
  'done',
  'cancel',
  'executor',
  'assign',
  'remind',
  'snooze',
  'stats',
  'recall',
  'auto',
  'tag',
  'untag',
  'tags',
  'churn',
] as const satisfies readonly CommandName[]

const draft: ArgSpec = { name: 'draftId', kind: 'draft_id' }
const kase: ArgSpec = { name: 'caseId', kind: 'case_id' }
const staff = { staffOnly: true, supervisorOnly: false } as const

export const COMMAND_SPECS: { readonly [N in CommandName]: CommandSpec<N> } = {
  help: { name: 'help', aliases: ['帮助'], args: [{ name: 'topic', kind: 'command_name', optional: true }], ...staff, usageKey: 'help' },
  approve: { name: 'approve', aliases: ['通过'], args: [draft, { name: 'force', kind: 'flag', values: ['force'], optional: true, default: false }], ...staff, usageKey: 'approve' },
  edit: { name: 'edit', aliases: ['修改'], args: [draft, { name: 'text', kind: 'rest' }], ...staff, usageKey: 'edit' },
  reject: { name: 'reject', aliases: ['驳回'], args: [draft, { name: 'reason', kind: 'rest', optional: true }], ...staff, usageKey: 'reject' },
  take: { name: 'take', aliases: ['接管'], args: [{ name: 'target', kind: 'take_target' }], ...staff, usageKey: 'take' },
  case: { name: 'case', aliases: ['案件'], args: [kase], ...staff, usageKey: 'case' },
  cases: { name: 'cases', aliases: ['案件列表'], args: [{ name: 'filter', kind: 'enum', values: CASE_FILTERS, optional: true, default: 'open' }], ...staff, usageKey: 'cases' },
  open: {
    name: 'open',
    aliases: ['建案'],
    args: [
      { name: 'customer', kind: 'word' },
      { name: 'serviceType', kind: 'service_type' },
      { name: 'note', kind: 'rest', optional: true },
    ],
    ...staff,
    usageKey: 'open',
  },
  wait: { name: 'wait', args: [kase, { name: 'state', kind: 'case_state' }, { name: 'dueInMs', kind: 'in_duration', optional: true }], ...staff, usageKey: 'wait' },
  // closing and cancelling get no Chinese alias: an irreversible step should be typed on purpose
  done: { name: 'done', args: [kase, { name: 'note', kind: 'rest', optional: true }], ...staff, usageKey: 'done' },
  cancel: { name: 'cancel', args: [kase, { name: 'reason', kind: 'rest' }], ...staff, usageKey: 'cancel' },
  executor: { name: 'executor', aliases: ['执行人'], args: [kase, { name: 'mention', kind: 'mention' }], ...staff, usageKey: 'executor' },
  assign: { name: 'assign', aliases: ['指派'], args: [kase, { name: 'mention', kind: 'mention' }], ...staff, usageKey: 'assign' },
  remind: { name: 'remind', aliases: ['提醒'], args: [kase, { name: 'inMs', kind: 'when', optional: true, default: 0 }], ...staff, usageKey: 'remind' },
  snooze: { name: 'snooze', aliases: ['暂缓'], args: [kase, { name: 'forMs', kind: 'duration' }, { name: 'reason', kind: 'rest', optional: true }], ...staff, usageKey: 'snooze' },
  stats: { name: 'stats', aliases: ['统计'], args: [{ name: 'period', kind: 'enum', values: STATS_PERIODS, optional: true, default: '7d' }], ...staff, usageKey: 'stats' },
  recall: { name: 'recall', aliases: ['撤回'], args: [draft], ...staff, usageKey: 'recall' },
  auto: {
    name: 'auto',
    args: [
      { name: 'category', kind: 'category' },
      { name: 'enabled', kind: 'switch' },
    ],
    staffOnly: true,
    supervisorOnly: true,
    usageKey: 'auto',
  },
  tag: {
    name: 'tag',
    aliases: ['打标签'],
    args: [
      { name: 'contact', kind: 'word' },
      { name: 'tag', kind: 'word' },
    ],
    ...staff,
    usageKey: 'tag',
  },
  untag: {
    name: 'untag',
    aliases: ['去标签'],
    args: [
      { name: 'contact', kind: 'word' },
      { name: 'tag', kind: 'word' },
    ],
    ...staff,
    usageKey: 'untag',
  },
  tags: { name: 'tags', aliases: ['标签'], args: [{ name: 'contact', kind: 'word' }], ...staff, usageKey: 'tags' },
  churn: {
    name: 'churn',
    aliases: ['流失预警'],
    args: [
      { name: 'action', kind: 'enum', values: ['list', 'close'], optional: true, default: 'list' },
      { name: 'task', kind: 'word', optional: true },
      { name: 'outcome', kind: 'word', optional: true },
      { name: 'note', kind: 'rest', optional: true },
    ],
    ...staff,
    usageKey: 'churn',
  },
}

/** Chinese short names for service types, as handlers type them after /open. */
export const SERVICE_TYPE_ALIASES: Readonly<Record<string, ServiceType>> = {
  售后: 'after_sales',
  预约: 'appointment',
  资料: 'material',
  进度: 'progress',
  回访: 'callback',
  协调: 'partner_coordination',
}

/** Words that make `/take` take a case or a draft. */
export const TAKE_CASE_WORDS: readonly string[] = ['case', '案件']
export const TAKE_DRAFT_WORDS: readonly string[] = ['draft', '草稿']

/** Longest accepted duration: a typo like `/snooze 3 9999d` must not push a timer past any sane date. */
export const MAX_DURATION_MS = 366 * 86_400_000

/** Every name and alias that starts a command, mapped to the command. */
export const COMMAND_BY_WORD: ReadonlyMap<string, CommandName> = new Map(COMMAND_NAMES.flatMap((n) => [[n, n] as const, ...(COMMAND_SPECS[n].aliases ?? []).map((a) => [a, n] as const)]))
