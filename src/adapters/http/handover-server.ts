import { createServer, type Server } from 'node:http'
import type Koa from 'koa'

/**
 * Listens at once with `first` (health while start-up waits for its dependencies); after
 * `handOver(app)` every new request is served by `app`. One port, no gap between the two.
 */
export async function listenHandingOver(first: Koa, port: number, host: string): Promise<{ server: Server; handOver(app: Koa): void }> {
  let handle = first.callback()
  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return { server, handOver: (app) => void (handle = app.callback()) }
}
