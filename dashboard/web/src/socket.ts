import { io, type Socket } from 'socket.io-client'
import type { ClientToServerEvents, ServerToClientEvents } from '../../../domain/socket-events.js'

export type GeoWarnSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * The live channel. Same origin, so the session cookie authenticates the handshake; a bearer token
 * from this page's login is passed as well for browsers that hold the cookie back.
 */
export function openSocket(token: string | null): GeoWarnSocket {
  return io({
    path: '/socket.io',
    withCredentials: true,
    ...(token === null ? {} : { auth: { token } })
  })
}

/** Ask the server for live readings of one site; resolves with its verdict. */
export async function watchSite(socket: GeoWarnSocket, siteId: string, timeoutMs = 5000): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    return await socket.timeout(timeoutMs).emitWithAck('watch-site', siteId)
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) }
  }
}
