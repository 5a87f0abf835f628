import { renderTemplate } from '../../domain/render-template.js'
import { wordingOf } from '../../config/load-wording-dir.js'
import { isAppError } from '../errors.js'
import { contactTags, tagContact, untagContact } from '../growth/tag-by-reference.js'
import type { TagRule } from '../../domain/growth/growth-config.js'
import { formatTime } from './case-card.js'
import type { CommandContext } from './command-context.js'
import type { CommandCall } from './command-handlers.js'

type Call<N extends CommandCall['name']> = Extract<CommandCall, { name: N }>

/** A template from config/wording/growth.yaml, filled. */
const g = (ctx: CommandContext, key: string, vars: Record<string, string | number | undefined> = {}) => renderTemplate(wordingOf(ctx.wording, `growth.${key}`), vars).text

/**
 * Runs a growth command and answers a contact or tag that cannot be found (or a name several
 * contacts share) in one line; any other error goes to the router's error path.
 */
async function answering(ctx: CommandContext, fn: (deps: NonNullable<CommandContext['growth']>) => Promise<string>): Promise<void> {
  if (!ctx.growth || ctx.growth.cfg.tags.length === 0) return ctx.reply(g(ctx, 'growth_off'))
  try {
    return await ctx.reply(await fn(ctx.growth))
  } catch (err) {
    if (!isAppError(err)) throw err
    const d = err.details as Record<string, unknown>
    if (err.code === 'not_found' && d['entity'] === 'contact') return ctx.reply(g(ctx, 'contact_not_found', { ref: String(d['ref']) }))
    if (err.code === 'not_found' && d['entity'] === 'tag') return ctx.reply(g(ctx, 'tag_not_found', { ref: String(d['ref']), tags: ctx.growth.cfg.tags.map((t) => t.name).join('、') }))
    if (err.code === 'conflict' && d['reason'] === 'ambiguous_contact') {
      const ids = Array.isArray(d['ids']) ? (d['ids'] as number[]) : []
      return ctx.reply(g(ctx, 'contact_ambiguous', { ref: String(d['ref']), count: ids.length, ids: ids.join('、') }))
    }
    throw err
  }
}

export const TAG_COMMAND_HANDLERS = {
  tag: (ctx: CommandContext, c: Call<'tag'>) =>
    answering(ctx, async (deps) => {
      const { contact, change } = await tagContact(deps, c.contact, c.tag, ctx.talker.id)
      if (change.kind === 'already') return g(ctx, 'already_tagged', { contact: contact.name, tag: change.tag })
      if (change.kind === 'added' && change.replaced.length > 0) return g(ctx, 'tagged_replacing', { contact: contact.name, tag: change.tag, replaced: change.replaced.join('、') })
      return g(ctx, 'tagged', { contact: contact.name, tag: change.tag })
    }),
  untag: (ctx: CommandContext, c: Call<'untag'>) =>
    answering(ctx, async (deps) => {
      const { contact, change } = await untagContact(deps, c.contact, c.tag, ctx.talker.id)
      return g(ctx, change.kind === 'removed' ? 'untagged' : 'not_tagged', { contact: contact.name, tag: change.tag })
    }),
  tags: (ctx: CommandContext, c: Call<'tags'>) =>
    answering(ctx, async (deps) => {
      const { contact, tags } = await contactTags(deps, c.contact)
      if (tags.length === 0) return g(ctx, 'no_tags', { contact: contact.name })
      const dimension = (key: string) => deps.cfg.dimensions.find((d) => d.key === key)?.name ?? key
      const lines = tags.map((t) =>
        g(ctx, 'tag_line', {
          tag: t.tag,
          dimension: dimension(t.dimension),
          source: ctx.wording.get(`growth.sources.${t.source}`) ?? t.source,
          // a person by name, a case by its number, a rule by what sets it off (its id is a config key)
          by: appliedBy(ctx, deps.cfg.rules, t.source, t.appliedBy),
          at: formatTime(t.appliedAt, '-', ctx.services.timeZone),
        }),
      )
      return [g(ctx, 'tags_header', { contact: contact.name }), ...lines].join('\n')
    }),
}

/** Who or what applied a tag, in words a supervisor reads. */
function appliedBy(ctx: CommandContext, rules: readonly TagRule[], source: string, by: string): string {
  if (source === 'manual') return `·${ctx.directory.person(by)?.name ?? by}`
  if (source === 'case') return `·#${by}`
  const rule = rules.find((r) => r.id === by)
  return rule ? `·${ctx.wording.get(`growth.rule_kinds.${rule.when.event}`) ?? ''}` : ''
}
