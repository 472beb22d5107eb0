import { createServer, type AddressInfo, type Socket } from 'node:net'
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
import type { Arrivals } from './arrivals.js'
import { startMosquitto } from './mosquitto.js'

/** A broker with something behind it that reports arrivals; the publishers connect to `url`. */
export interface Rig {
  name: string
  url: string
  /** Anything the rig counts as lost or refused (must stay empty for the figures to mean anything). */
  problems(): string[]
  close(): Promise<void>
}

export interface OursRig extends Rig {
  broker: BrokerHandle
  ingest: Ingest
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
    // A batch may hold part of a message (the rest in the next batch): count per message.
    const perMessage = new Map<string, { deviceId: string; seq: number; n: number }>()
    for (const r of readings) {
      const key = `${r.deviceId}\u0000${r.seq ?? -1}`
      const m = perMessage.get(key)
      if (m === undefined) perMessage.set(key, { deviceId: r.deviceId, seq: r.seq ?? -1, n: 1 })
      else m.n += 1
    }
    for (const m of perMessage.values()) this.arrivals.arrived(m.deviceId, m.seq, m.n)
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

export const SERVICE_SECRET = 'bench-service-secret'
const silent = pino({ level: 'silent' })

export interface OursOptions {
  db: PlatformDb
  store: ReadingsStore
  arrivals: Arrivals
  /** Ingest's disk spool, as in production (`loadConfig` always sets one); empty while the store keeps up. */
  spoolDir: string
  log?: pino.Logger
}

/** Ours: the broker app (auth, ACL, rewrite, admission gate) → the ingest app → a readings store. */
export async function startOurs(opts: OursOptions): Promise<OursRig> {
  const log = opts.log ?? silent
  const broker = await buildBroker(brokerConfigSchema.parse({ host: '127.0.0.1', mqttPort: 0, wsPort: null, serviceSecret: SERVICE_SECRET }), { db: opts.db, log })
  try {
    const url = `mqtt://127.0.0.1:${broker.mqttPort}`
    const ingest = await buildIngest(ingestConfigSchema.parse({ mqttUrl: url, mqttPassword: SERVICE_SECRET, clientId: 'bench-ingest', spoolDir: opts.spoolDir }), {
      store: new ArrivalStore(opts.store, opts.arrivals),
      log
    })
    return {
      name: `ours (${opts.store.kind})`,
      url,
      broker,
      ingest,
      problems: () => {
        const st = ingest.stats()
        const rejected = Object.values(st.rejected).reduce((a, b) => a + b, 0)
        return [
          ...(rejected > 0 ? [`ingest rejected ${rejected}`] : []),
          ...(st.duplicates > 0 ? [`ingest dropped ${st.duplicates} duplicates`] : []),
          ...(st.pointsRefused > 0 ? [`the store refused ${st.pointsRefused} points`] : [])
        ]
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

/** Baseline: a bare Aedes (no auth, no rewrite, its default options) and a subscriber that does nothing. */
export async function startBareAedes(arrivals: Arrivals): Promise<Rig> {
  const aedes = await Aedes.createBroker()
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    // As broker/app.ts does, so that Nagle does not tilt the comparison.
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    aedes.handle(socket)
  })
  const closeAedes = async (): Promise<void> => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    return await withBaselineSubscriber('bare Aedes', url, arrivals, closeAedes)
  } catch (err) {
    await closeAedes()
    throw err
  }
}

/** Baseline: Mosquitto 2.0 from Debian, with the same do-nothing subscriber. */
export async function startMosquittoRig(arrivals: Arrivals): Promise<Rig> {
  const server = await startMosquitto()
  try {
    return await withBaselineSubscriber('Mosquitto', server.url, arrivals, server.close)
  } catch (err) {
    await server.close()
    throw err
  }
}

async function withBaselineSubscriber(name: string, url: string, arrivals: Arrivals, closeBroker: () => Promise<void>): Promise<Rig> {
  const sub: MqttClient = await mqtt.connectAsync(url, { clientId: 'bench-baseline-sub', reconnectPeriod: 0 })
  try {
    await sub.subscribeAsync('gh/dev/+/data', { qos: 1 })
  } catch (err) {
    await sub.endAsync(true)
    throw err
  }
  sub.on('message', (topic, payload) => {
    // Only what timing needs: the device from the topic, the seq from the first bytes (encode-native.ts puts it first).
    const seq = /"seq":(\d+)/.exec(payload.toString('latin1', 0, 40))?.[1]
    arrivals.arrived(topic.split('/')[2] ?? '', Number(seq))
  })
  return {
    name,
    url,
    problems: () => [],
    close: async () => {
      await sub.endAsync()
      await closeBroker()
    }
  }
}
