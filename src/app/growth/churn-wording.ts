import { wordingOf, type Wording } from '../../config/load-wording-dir.js'
import type { ChurnOutcome, ChurnReason } from '../../domain/growth/churn-score.js'
import { renderTemplate } from '../../domain/render-template.js'
import type { Directory } from '../directory.js'

/** A template of config/wording/growth.yaml `churn`, filled. */
export const churnText = (w: Wording, key: string, vars: Record<string, string | number | undefined> = {}): string => renderTemplate(wordingOf(w, `growth.churn.${key}`), vars).text

/** One reason as a person reads it: days, counts, group names and case numbers, never a config key. */
export function reasonText(w: Wording, directory: Directory, r: ChurnReason, windowDays: number): string {
  switch (r.code) {
    case 'silence':
      return churnText(w, 'reasons.silence', { days: r.days })
    case 'decline':
      return churnText(w, 'reasons.decline', { recent: r.recent, previous: r.previous, window: windowDays })
    case 'left_group':
      return churnText(w, 'reasons.left_group', { groups: r.groups.map((k) => `「${directory.group(k)?.topic ?? k}」`).join('、') })
    case 'stalled_case':
      return churnText(w, 'reasons.stalled_case', { cases: r.cases.map((id) => `#${id}`).join('、') })
    case 'complaint':
      return churnText(w, 'reasons.complaint', { count: r.count })
    case 'negative_wording':
      return churnText(w, 'reasons.negative_wording', { count: r.count })
  }
}

export function reasonsText(w: Wording, directory: Directory, reasons: readonly ChurnReason[], windowDays: number): string {
  return reasons.map((r) => reasonText(w, directory, r, windowDays)).join(w.get('growth.churn.reason_joiner') ?? '；')
}

export const outcomeText = (w: Wording, o: ChurnOutcome): string => w.get(`growth.churn.outcomes.${o}`) ?? o
