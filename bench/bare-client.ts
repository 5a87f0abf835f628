/**
 * The ingest baseline: a bare Wechaty client on the same gateway that only reads each message's
 * text and room. Reports over IPC when it has read the expected number of messages.
 */
import { WechatyBuilder } from 'wechaty'

const expected: number[] = []
let seen = 0
let chars = 0

async function main(): Promise<void> {
  const bot = WechatyBuilder.build({
    name: 'bench-bare',
    puppet: 'wechaty-puppet-service',
    puppetOptions: { token: process.env['WECHATY_PUPPET_SERVICE_TOKEN']!, endpoint: process.env['WECHATY_PUPPET_SERVICE_ENDPOINT']! },
  })
  bot.on('message', (msg) => {
    const room = msg.room()
    chars += (msg.text() ?? '').length + (room?.id.length ?? 0)
    seen++
    if (expected.length > 0 && seen >= expected[0]!) {
      expected.shift()
      process.send!({ type: 'seen', seen, at: Date.now(), chars })
    }
  })
  bot.on('login', () => void process.send!({ type: 'ready' }))
  process.on('message', (m: { op: 'expect'; total: number } | { op: 'stop' }) => {
    if (m.op === 'expect') expected.push(m.total)
    // never bot.stop(): over puppet-service that stops the gateway's puppet for everyone
    else process.exit(0)
  })
  process.on('disconnect', () => process.exit(0))
  await bot.start()
}

void main().catch((err: Error) => {
  process.stderr.write(`bare client failed: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
