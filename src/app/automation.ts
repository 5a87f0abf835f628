import type { Clock } from './ports.js'

/** Persistence of `/auto` switches (append-only). */
export interface AutomationStore {
  /** the latest switch per category */
  latest(): Promise<Array<{ category: string; enabled: boolean }>>
  record(s: { category: string; enabled: boolean; by: string; at: Date }): Promise<void>
}

/**
 * Which template categories send without review: the tenant file's `policy.automaticCategories`,
 * overridden by supervisors' `/auto` switches (recorded, newest wins).
 */
export class AutomationSwitches {
  private readonly overrides = new Map<string, boolean>()

  constructor(
    private readonly fromPolicy: ReadonlySet<string>,
    private readonly store: AutomationStore,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<void> {
    for (const s of await this.store.latest()) this.overrides.set(s.category, s.enabled)
  }

  isAutomatic(category: string): boolean {
    return this.overrides.get(category) ?? this.fromPolicy.has(category)
  }

  async set(category: string, enabled: boolean, by: string): Promise<void> {
    await this.store.record({ category, enabled, by, at: this.clock.now() })
    this.overrides.set(category, enabled)
  }
}
