import { createServer, type AddressInfo, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Aedes } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import { buildBroker, type BrokerHandle } from '../broker/app.js'
import { brokerConfigSchema } from '../broker/config.js'
import type { DeviceStatus, Reading } from '../domain/index.js'
import { buildIngest, type Ingest } from '../ingest/app.js'
import { ingestConfigSchema } from '../ingest/config.js'
import type { PlatformDb } from '../store/platform-db.js'
import type { AggregatePoint, AggregateQuery, RangeQuery, ReadingsStore } from '../store/readings-store.js'

/** A message as a publisher sends it, with what the receiving side needs to time it. */
export interface BenchMessage {
  deviceId: string
  seq: number
  topic: string
  payload: Buffer
  readings: number
}

export const messageKey = (deviceId: string, seq: number): string => `${deviceId}/${seq}`

/**
 * Arrival clock shared by both rigs: `sent` is called by the publishers, `arrived` by whatever
 * counts as "done" (the store's write resolving, or the subscriber's message event).
 */
export class Arrivals {
  readonly #sent = new Map<string, { atMs: number; remaining: number }>()
  readonly latenciesMs: number[] = []
  readings = 0
  #target = Number.POSITIVE_INFINITY
  #done: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined

  sent(m: BenchMessage): void {
    this.#sent.set(messageKey(m.deviceId, m.seq), { atMs: performance.now(), remaining: m.readings })
  }

  /**
   * `readings`: how many of the message's readings arrived (a batch may split a message); all of
   * them when not told. A message's latency is that of its last reading.
   */
  arrived(key: string, readings?: number): void {
    const sent = this.#sent.get(key)
    if (sent === undefined) return
    const n = readings ?? sent.remaining
    sent.remaining -= n
    this.readings += n
    if (sent.remaining <= 0) {
      this.#sent.delete(key)
      this.latenciesMs.push(performance.now() - sent.atMs)
    }
    if (this.readings >= this.#target) this.#done?.()
  }

  /** Resolves when `readings` have arrived since the last reset; rejects after `timeoutMs`. */
  awaitReadings(readings: number, timeoutMs: number, what: string): Promise<void> {
    this.#target = readings
    return new Promise((resolve, reject) => {
      this.#timer = setTimeout(() => reject(new Error(`${what}: only ${this.readings} of ${readings} readings arrived within ${timeoutMs} ms`)), timeoutMs)
      this.#done = () => {
        clearTimeout(this.#timer)
        resolve()
      }
      if (this.readings >= readings) this.#done()
    })
  }

  /** Forget the run, and stop its timeout. */
  reset(): void {
    clearTimeout(this.#timer)
    this.#sent.clear()
    this.latenciesMs.length = 0
    this.readings = 0
    this.#target = Number.POSITIVE_INFINITY
    this.#done = undefined
  }
}

/** The real store, seen from outside: a message has arrived when the write holding it resolved. */
class ArrivalStore implements ReadingsStore {
  readonly kind: ReadingsStore['kind']
  constructor(
    private readonly inner: ReadingsStore,
    private readonly arrivals: Arrivals
  ) {
    this.kind = inner.kind
  }

  async write(readings: readonly Reading[]): Promise<void> {
    await this.inner.write(readings)
    const perMessage = new Map<string, number>()
    for (const r of readings) {
      const key = messageKey(r.deviceId, r.seq ?? -1)
      perMessage.set(key, (perMessage.get(key) ?? 0) + 1)
    }
    for (const [key, n] of perMessage) this.arrivals.arrived(key, n)
  }

  writeStatuses(statuses: readonly DeviceStatus[]): Promise<void> {
    return this.inner.writeStatuses(statuses)
  }
  query(q: RangeQuery): Promise<Reading[]> {
    return this.inner.query(q)
  }
  aggregate(q: AggregateQuery): Promise<AggregatePoint[]> {
    return this.inner.aggregate(q)
  }
  latest(siteId: string): Promise<Reading[]> {
    return this.inner.latest(siteId)
  }
  latestStatuses(siteId: string): Promise<DeviceStatus[]> {
    return this.inner.latestStatuses(siteId)
  }
  ping(): Promise<boolean> {
    return this.inner.ping()
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

export interface Rig {
  name: string
  url: string
  arrivals: Arrivals
  /** Anything the rig counts as lost or refused (must stay 0 for the figures to mean anything). */
  problems(): string[]
  close(): Promise<void>
}

const SERVICE_SECRET = 'bench-service-secret'
const silent = pino({ level: 'silent' })

/** Ours: the broker app (auth, ACL, rewrite) → ingest app → the SQLite readings store. */
export async function startOurs(db: PlatformDb, store: ReadingsStore): Promise<Rig> {
  const arrivals = new Arrivals()
  const broker: BrokerHandle = await buildBroker(
    brokerConfigSchema.parse({ host: '127.0.0.1', mqttPort: 0, wsPort: null, serviceSecret: SERVICE_SECRET }),
    { db, log: silent }
  )
  let ingest: Ingest
  try {
    const url = `mqtt://127.0.0.1:${broker.mqttPort}`
    ingest = await buildIngest(ingestConfigSchema.parse({ mqttUrl: url, mqttPassword: SERVICE_SECRET, clientId: 'bench-ingest' }), {
      store: new ArrivalStore(store, arrivals),
      log: silent
    })
    return {
      name: 'ours',
      url,
      arrivals,
      problems: () => {
        const st = ingest.stats()
        const rejected = Object.values(st.rejected).reduce((a, b) => a + b, 0)
        return [...(rejected > 0 ? [`ingest rejected ${rejected}`] : []), ...(st.duplicates > 0 ? [`ingest dropped ${st.duplicates} duplicates`] : [])]
      },
      close: async () => {
        await ingest.close()
        await broker.close()
      }
    }
  } catch (err) {
    await broker.close()
    throw err
  }
}

/** Baseline: a bare Aedes (no auth, no rewrite) and an MQTT.js QoS 1 subscriber that does nothing. */
export async function startBaseline(): Promise<Rig> {
  const arrivals = new Arrivals()
  const aedes = await Aedes.createBroker()
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    // As broker/app.ts does, so that Nagle does not tilt the comparison.
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    aedes.handle(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`
  let sub: MqttClient
  try {
    sub = await mqtt.connectAsync(url, { clientId: 'bench-baseline-sub', reconnectPeriod: 0 })
    await sub.subscribeAsync('gh/dev/+/data', { qos: 1 })
  } catch (err) {
    await closeAedes(aedes, server, sockets)
    throw err
  }
  sub.on('message', (topic, payload) => {
    // Only what timing needs: the device from the topic, the seq from the first bytes.
    const seq = /"seq":(\d+)/.exec(payload.toString('latin1', 0, 40))?.[1]
    arrivals.arrived(messageKey(topic.split('/')[2] ?? '', Number(seq)))
  })
  return {
    name: 'baseline',
    url,
    arrivals,
    problems: () => [],
    close: async () => {
      await sub.endAsync()
      await closeAedes(aedes, server, sockets)
    }
  }
}

async function closeAedes(aedes: Aedes, server: ReturnType<typeof createServer>, sockets: Set<Socket>): Promise<void> {
  await new Promise<void>((resolve) => aedes.close(() => resolve()))
  for (const s of sockets) s.destroy()
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
}

/** One device's connection: client id = device id, its secret as password (broker/auth.ts). */
export function connectDevice(url: string, deviceId: string, secret: string | undefined): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId: deviceId, username: deviceId, password: secret ?? '', reconnectPeriod: 0 })
}

/** Publish in order with at most `window` QoS 1 messages awaiting their PUBACK. */
export async function publishAll(client: MqttClient, messages: readonly BenchMessage[], window: number, arrivals: Arrivals): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < messages.length) {
      const m = messages[next++] as BenchMessage
      arrivals.sent(m)
      await client.publishAsync(m.topic, m.payload, { qos: 1 })
    }
  }
  await Promise.all(Array.from({ length: window }, lane))
}
