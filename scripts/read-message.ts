/**
 * npm run read -- [--tenant FILE] [--as customer|partner|staff] TEXT...: how Baton reads a message
 * (reading, confidence, familiarity, signals, window, references), for whoever teaches it a
 * tenant's wording: see why a message went to a person before adding examples.
 */
import { loadTenant } from '../src/config/load-tenant.js'
import { Directory } from '../src/app/directory.js'
import { buildServices } from '../src/main/build-services.js'

const args = process.argv.slice(2)
const opt = (name: string, fallback: string): string => {
  const at = args.indexOf(name)
  if (at < 0) return fallback
  const [value] = args.splice(at, 2).slice(1)
  return value ?? fallback
}
const tenantPath = opt('--tenant', 'config/sandbox.yaml')
const as = opt('--as', 'customer')
const tenant = loadTenant(tenantPath)
const { services } = buildServices(tenant, new Directory(tenant))
const channel = as === 'partner' ? 'partner' : as === 'staff' ? 'internal' : 'customer'
const talkerRole = as === 'partner' ? 'partner' : as === 'staff' ? 'handler' : 'customer_contact'
for (const text of args) {
  const u = services.understand({ text, type: 'text', channel, talkerRole, mentionIds: [], now: new Date() })
  const top = u.scores
    .slice(0, 3)
    .map((s) => `${s.label} ${s.p.toFixed(2)}`)
    .join(', ')
  console.log(
    `${text}\n  ${u.label} (${u.intent}) conf ${u.confidence.toFixed(2)} fam ${u.familiarity.toFixed(2)} | ${top}\n  signals [${u.signals.join(',')}] flags [${u.riskFlags.join(',')}] window ${u.window ? u.window.text : '-'} asks ${u.asks} refs ${JSON.stringify(u.references.customerKeys)} ${JSON.stringify(u.references.orderNumbers)}`,
  )
}
