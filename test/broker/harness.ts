import { EventEmitter } from 'node:events'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import pino from 'pino'
import { buildBroker, type BrokerHandle } from '../../broker/app.js'
import { brokerConfigSchema, type BrokerConfigInput } from '../../broker/config.js'
import { registryFileSchema } from '../../domain/index.js'
import type { PlatformDb } from '../../store/platform-db.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'

export const SERVICE_SECRET = 'test-service-secret'
export const NOW_MS = Date.parse('2026-07-27T10:00:05.000Z')
export const DZT_ID = 'SK00EA0D1307986'

export const DEVICES = Object.freeze({
  dzt: { id: DZT_ID, secret: 'dzt-secret-0001' },
  native: { id: 'N-01', secret: 'native-secret-01' },
  other: { id: 'N-02', secret: 'native-secret-02' }
})

export const REGISTRY = registryFileSchema.parse({
  version: 1,
  sites: [
    { id: 'JH-001', name: '岩口滑坡', hazardType: 'landslide', county: '431129', location: { lon: 111.58, lat: 25.18 } },
    { id: 'JH-002', name: '大圩崩塌', hazardType: 'rockfall', county: '431129', location: { lon: 111.6, lat: 25.2 } }
  ],
  devices: [
    { id: DZT_ID, siteId: 'JH-001', dialect: 'dzt0450', sensors: [{ id: 'L3_YL_1', type: 'rain' }], secret: DEVICES.dzt.secret },
    { id: 'N-01', siteId: 'JH-002', dialect: 'native', sensors: [{ id: 'YL1', type: 'rain' }], secret: DEVICES.native.secret },
    { id: 'N-02', siteId: 'JH-002', dialect: 'native', sensors: [{ id: 'LF1', type: 'crack' }], secret: DEVICES.other.secret }
  ]
})

export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

export interface TestBroker {
  broker: BrokerHandle
  db: PlatformDb
  logs: LogLine[]
  /** The first log line with this message, logged already or still to come. */
  logLine(msg: string): Promise<LogLine>
  tcpUrl: string
  wsUrl: string
  /** A connected client; closed by close(). */
  connect(opts: IClientOptions, url?: string): Promise<MqttClient>
  device(which: keyof typeof DEVICES, url?: string): Promise<MqttClient>
  service(role: 'ingest' | 'rules' | 'dashboard'): Promise<MqttClient>
  close(): Promise<void>
}

export async function startTestBroker(overrides: Partial<BrokerConfigInput> = {}): Promise<TestBroker> {
  const db = openPlatformDb(':memory:')
  db.importRegistry(REGISTRY)
  const logs: LogLine[] = []
  const logged = new EventEmitter()
  const log = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const parsed = JSON.parse(line) as LogLine
        logs.push(parsed)
        logged.emit('line', parsed)
      }
    }
  )
  const config = brokerConfigSchema.parse({ host: '127.0.0.1', mqttPort: 0, wsPort: 0, serviceSecret: SERVICE_SECRET, ...overrides })
  const broker = await buildBroker(config, { db, log, now: () => NOW_MS })
  const tcpUrl = `mqtt://127.0.0.1:${broker.mqttPort}`
  const wsUrl = `ws://127.0.0.1:${broker.wsPort}/mqtt`
  const clients: MqttClient[] = []

  const connect = async (opts: IClientOptions, url = tcpUrl): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts })
    clients.push(client)
    return client
  }
  return {
    broker,
    db,
    logs,
    logLine: (msg) =>
      new Promise((resolve) => {
        const earlier = logs.find((l) => l.msg === msg)
        if (earlier !== undefined) return resolve(earlier)
        const onLine = (l: LogLine): void => {
          if (l.msg !== msg) return
          logged.off('line', onLine)
          resolve(l)
        }
        logged.on('line', onLine)
      }),
    tcpUrl,
    wsUrl,
    connect,
    device: (which, url) => {
      const d = DEVICES[which]
      return connect({ clientId: d.id, username: d.id, password: d.secret }, url)
    },
    service: (role) => connect({ clientId: `test-${role}`, username: `svc:${role}`, password: SERVICE_SECRET }),
    close: async () => {
      await Promise.all(clients.map((c) => c.endAsync(true)))
      await broker.close()
      db.close()
    }
  }
}

/** The next message on a topic matching `topic` (exact string or predicate). */
export function nextMessage(client: MqttClient, topic: string | ((t: string) => boolean)): Promise<{ topic: string; payload: Buffer; retain: boolean }> {
  const matches = typeof topic === 'string' ? (t: string) => t === topic : topic
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer, packet: { retain: boolean }): void => {
      if (!matches(t)) return
      client.off('message', onMessage)
      resolve({ topic: t, payload, retain: packet.retain })
    }
    client.on('message', onMessage)
  })
}
