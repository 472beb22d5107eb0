import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { Aedes, type AedesOptions } from 'aedes'

export interface BareBroker {
  aedes: Aedes
  url: string
  port: number
  /** Closes the Aedes instance (which ends its client connections), then the TCP server. Safe to call twice. */
  close(): Promise<void>
}

/** A bare Aedes on 127.0.0.1, port picked by the OS: no auth unless `opts` adds it, no topic rewrite (not our broker app). */
export async function startBareBroker(opts?: AedesOptions): Promise<BareBroker> {
  const aedes = await Aedes.createBroker(opts)
  const server = createServer(aedes.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    aedes,
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => aedes.close(() => resolve()))
        await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
      })())
  }
}
