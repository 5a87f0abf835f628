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
  private overrides = new Map<string, boolean>()

  constructor(
    private readonly fromPolicy: ReadonlySet<string>,
    private readonly store: AutomationStore,
    private readonly clock: Clock,
  ) {}

  /**
   * (Re)reads the recorded switches. Called at start-up and periodically, because a `/auto`
   * handled by the bot process must also reach a separate worker process that fires reminders.
   * The map is swapped whole so a decision never sees a half-loaded set.
   */
  async load(): Promise<void> {
    const next = new Map<string, boolean>()
    for (const s of await this.store.latest()) next.set(s.category, s.enabled)
    this.overrides = next
  }

  isAutomatic(category: string): boolean {
    return this.overrides.get(category) ?? this.fromPolicy.has(category)
  }

  async set(category: string, enabled: boolean, by: string): Promise<void> {
    await this.store.record({ category, enabled, by, at: this.clock.now() })
    this.overrides.set(category, enabled)
  }
}
