import { createServer, connect, type Server, type Socket } from 'node:net'
import { freePort } from './mock-gateway.js'

/**
 * A TCP pass-through that a test can cut: `cut()` drops every connection and refuses new ones
 * (as if the server died); `restore()` listens again on the same port. Lets a test take
 * PostgreSQL or Redis "down" for one component without touching the shared servers.
 */
export interface TcpProxy {
  port: number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let server: Server | null = null
  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host)
      sockets.add(client)
      sockets.add(upstream)
      const drop = (): void => {
        client.destroy()
        upstream.destroy()
        sockets.delete(client)
        sockets.delete(upstream)
      }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
    server = s
  }
  const cut = async (): Promise<void> => {
    const s = server
    server = null
    for (const sock of sockets) sock.destroy()
    sockets.clear()
    if (s) await new Promise<void>((r) => s.close(() => r()))
  }
  await listen()
  return { port, cut, restore: listen, close: cut }
}

/**
 * A listener that accepts connections and never answers (a hung server, a half-open firewall)
 * until `answer()`: from then on new connections are passed through to `target` (the held ones
 * stay silent until their clients give up on them), as when the server comes back.
 */
export interface HalfOpenListener {
  port: number
  /** connections accepted so far */
  accepted(): number
  answer(): void
  close(): Promise<void>
}

export async function startHalfOpenListener(target: { host: string; port: number }): Promise<HalfOpenListener> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let answering = false
  let accepted = 0
  const track = (s: Socket): void => {
    sockets.add(s)
    s.on('error', () => s.destroy()).on('close', () => sockets.delete(s))
  }
  const server = createServer((client) => {
    accepted++
    track(client)
    if (!answering) return // held open, never a byte back
    const upstream = connect(target.port, target.host)
    track(upstream)
    // an end is passed on by the pipes, after what was still in flight (a QUIT's OK): destroying
    // one side when the other closes would cut that off
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
  return {
    port,
    accepted: () => accepted,
    answer: () => void (answering = true),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
