import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Aedes } from 'aedes'
import type pino from 'pino'
import { WebSocketServer, createWebSocketStream } from 'ws'
import type { PlatformDb } from '../store/platform-db.js'
import { createAedesAdapter, type BrokerStats as HookStats } from './aedes-hooks.js'
import { WS_PATH, type BrokerConfig } from './config.js'
import { PublishGate, type OverloadTransition, type PublishGateStats } from './publish-gate.js'

export type { PublishGateStats } from './publish-gate.js'

export interface BrokerStats extends HookStats {
  /** Device uplinks at the admission gate: in the broker, waiting, delayed, overloads. */
  uplinks: PublishGateStats
}

export interface BrokerDeps {
  db: PlatformDb
  log: pino.Logger
  now?: () => number
}

export interface BrokerHandle {
  aedes: Aedes
  /** The bound ports (the real ones when 0 was asked for). */
  mqttPort: number
  wsPort: number | null
  stats(): BrokerStats
  close(): Promise<void>
}

/** Our longest topic, `gh/up/{prov}/{county}/{siteId}/{deviceId}/{kind}`, has 7 levels. */
const MAX_TOPIC_LEVELS = 10
/** Device ids are up to 64 characters (domain/ids.ts); MQTT 3.1 clients would be cut at 23. */
const MAX_CLIENT_ID_LENGTH = 64

export async function buildBroker(config: BrokerConfig, deps: BrokerDeps): Promise<BrokerHandle> {
  const log = deps.log.child({ module: 'broker' })
  const gate = new PublishGate({
    limit: config.uplinkWindow,
    quietMs: config.overloadQuietMs,
    // Durations, so the monotonic clock, not `now` (wall time, which tests freeze).
    now: () => performance.now(),
    onTransition: reportOverload(log, config)
  })
  const adapter = createAedesAdapter({
    db: deps.db,
    log,
    now: deps.now ?? Date.now,
    serviceSecret: (role) => config.services[role] ?? config.serviceSecret,
    // Only accepted device uplinks queue at the gate; a service's publish (an alert, a command)
    // never waits behind readings. QoS 0 and 1 only: Aedes authorizes every QoS 2 PUBLISH, each
    // DUP resend too, but delivers a message id once (aedes lib/handlers/publish.js,
    // [MQTT-4.3.3-2]), so a resend would hold room that no `publish` event ever frees. Devices
    // publish QoS 1 (design.md): a QoS 2 uplink comes from a misconfigured device and goes ungated.
    admitUplink: (client, packet, proceed) => (packet.qos === 2 ? proceed() : gate.admit(packet, client, proceed))
  })
  const aedes = await Aedes.createBroker({
    ...adapter.hooks,
    // mqemitter's parallel deliveries: uplinks can hold at most half of them, so alerts, commands
    // and presence always find a free one.
    concurrency: 2 * config.uplinkWindow,
    maxTopicLevels: MAX_TOPIC_LEVELS,
    maxClientsIdLength: MAX_CLIENT_ID_LENGTH
  })
  adapter.attach(aedes)
  // Emitted once the packet is written to every subscriber (aedes.js `callPublished`), with the
  // object authorizePublish saw.
  aedes.on('publish', (packet) => gate.finish(packet))
  aedes.on('clientDisconnect', (client) => gate.forget(client))
  const overloadTimer = setInterval(() => gate.tick(), Math.min(1_000, config.overloadQuietMs))
  overloadTimer.unref()

  // Connections Aedes has not registered yet (before CONNECT, during authentication) are not
  // closed by aedes.close(); we end them ourselves so close() never waits for connectTimeout.
  const sockets = new Set<Socket>()
  const tcp = createTcpServer((socket) => {
    // Without it Nagle holds small QoS 0 packets back: a ~40 ms latency tail.
    socket.setNoDelay(true)
    track(sockets, socket)
    aedes.handle(socket)
  })

  let http: HttpServer | undefined
  let wss: WebSocketServer | undefined
  try {
    const mqttPort = await listen(tcp, config.mqttPort, config.host)
    let wsPort: number | null = null
    if (config.wsPort !== null) {
      http = createHttpServer((_req, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`MQTT over WebSocket is on ${WS_PATH}\n`)
      })
      wss = new WebSocketServer({ server: http, path: WS_PATH })
      wss.on('connection', (socket, req) => {
        req.socket.setNoDelay(true)
        aedes.handle(createWebSocketStream(socket), req)
      })
      wsPort = await listen(http, config.wsPort, config.host)
    }
    log.info({ host: config.host, mqttPort, wsPort, wsPath: wsPort === null ? undefined : WS_PATH }, 'broker listening')

    let closed: Promise<void> | undefined
    const close = (): Promise<void> => {
      closed ??= (async () => {
        clearInterval(overloadTimer)
        adapter.markClosing()
        const tcpClosed = closeServer(tcp)
        const httpClosed = http === undefined ? Promise.resolve() : closeServer(http)
        await new Promise<void>((resolve) => aedes.close(() => resolve()))
        for (const socket of sockets) socket.destroy()
        for (const client of wss?.clients ?? []) client.terminate()
        wss?.close()
        http?.closeAllConnections()
        await Promise.all([tcpClosed, httpClosed])
        log.info('broker closed')
      })()
      return closed
    }
    return { aedes, mqttPort, wsPort, stats: () => ({ ...adapter.stats(), uplinks: gate.stats() }), close }
  } catch (err) {
    clearInterval(overloadTimer)
    adapter.markClosing()
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    if (tcp.listening) await closeServer(tcp)
    wss?.close()
    if (http?.listening) await closeServer(http)
    throw err
  }
}

/** One warn line when an overload starts, one info line with what it cost when it ends. */
function reportOverload(log: pino.Logger, config: BrokerConfig): (t: OverloadTransition, s: PublishGateStats) => void {
  let start: PublishGateStats | undefined
  let startMs = 0
  return (t, s) => {
    if (t === 'entered') {
      start = s
      startMs = performance.now()
      log.warn({ uplinkWindow: config.uplinkWindow, waiting: s.waiting }, 'overload: device uplinks wait for room; their sockets are not read meanwhile')
      return
    }
    const delayed = s.delayed - (start?.delayed ?? 0)
    const delayedMs = s.delayedMs - (start?.delayedMs ?? 0)
    log.info(
      // To within the gate's tick (a second): the overload ended `overloadQuietMs` before this line.
      { durationMs: Math.round(performance.now() - startMs - config.overloadQuietMs), delayed, meanDelayMs: delayed > 0 ? Math.round(delayedMs / delayed) : 0 },
      'overload over'
    )
  }
}

function track(sockets: Set<Socket>, socket: Socket): void {
  sockets.add(socket)
  socket.once('close', () => sockets.delete(socket))
}

function listen(server: TcpServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closeServer(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()))
  })
}
