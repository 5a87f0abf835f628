import { Counter, Registry } from 'prom-client'
import type { Telemetry } from '../app/ports.js'

/** Prometheus counters behind the app's Telemetry port. */
export function createTelemetry(registry = new Registry()): Telemetry & { registry: Registry } {
  const ignored = new Counter({ name: 'baton_inbound_ignored_total', help: 'Inbound messages ignored', labelNames: ['reason'], registers: [registry] })
  const recorded = new Counter({ name: 'baton_inbound_recorded_total', help: 'Messages recorded', labelNames: ['channel'], registers: [registry] })
  const duplicate = new Counter({ name: 'baton_inbound_duplicate_total', help: 'Replayed or duplicate messages dropped', registers: [registry] })
  return {
    registry,
    inboundIgnored: (reason) => ignored.inc({ reason }),
    inboundRecorded: (channel) => recorded.inc({ channel }),
    inboundDuplicate: () => duplicate.inc(),
  }
}
