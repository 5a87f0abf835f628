import { silentSince } from '../../domain/growth/tag-rules.js'
import { addContactTag } from './change-tags.js'
import type { GrowthDeps } from './growth-deps.js'

/** contacts tagged per transaction: a large tenant's sweep commits in slices */
const SLICE = 500

/**
 * The nightly tag rules ("N days without a message → dormant"): every contact silent since the
 * rule's cut-off and not yet carrying its tag gets it, applied by the rule (event and who/when
 * kept). Safe to run twice: a tagged contact is not picked again. Returns how many were tagged.
 */
export async function sweepNightlyRules(deps: Pick<GrowthDeps, 'growth' | 'cfg' | 'clock' | 'log'>): Promise<number> {
  const now = deps.clock.now()
  let tagged = 0
  for (const rule of deps.cfg.rules) {
    if (rule.when.event !== 'nightly') continue
    const before = silentSince(now, rule.when.silentDays)
    for (;;) {
      const ids = await deps.growth.silentContacts(before, rule.addTag, SLICE)
      if (ids.length === 0) break
      let changed = 0
      await deps.growth.transaction(async (tx) => {
        for (const id of ids) if ((await addContactTag(tx, deps.cfg, id, rule.addTag, { source: 'rule', by: rule.id }, now)).kind === 'added') changed++
      })
      tagged += changed
      // nothing changed: the rest cannot be tagged (an unknown tag); stop rather than loop
      if (changed === 0 || ids.length < SLICE) break
    }
  }
  deps.log.info({ tagged }, 'nightly tag rules swept')
  return tagged
}
