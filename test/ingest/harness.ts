import { Writable } from 'node:stream'
import type { Aedes, Client } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import type { DeviceStatus, Reading } from '../../domain/readings.js'
import { ingestConfigSchema, type IngestConfig, type IngestConfigInput } from '../../ingest/config.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { PointsRejectedError } from '../../store/store-error.js'
import { startBareBroker } from '../support/bare-broker.js'

export interface TestBroker {
  broker: Aedes
  url: string
  /** Resolves after `n` PUBACKs from the client `clientId` have reached the broker. */
  acksFrom(clientId: string, n: number): Promise<void>
  /** PUBACKs seen from `clientId` so far. */
  ackCount(clientId: string): number
  /** Closes the broker side of a client's connection; resolves when that client is back. */
  dropAndAwaitReconnect(clientId: string): Promise<void>
  close(): Promise<void>
}

/** A bare Aedes on a TCP port picked by the OS: no auth, no topic rewrite (not our broker app). */
export async function startBroker(): Promise<TestBroker> {
  const bare = await startBareBroker()
  const broker = bare.aedes
  const acks = new Map<string, number>()
  // aedes lib/handlers/puback.js emits 'ack' when a subscriber's PUBACK arrives.
  broker.on('ack', (_packet, client) => acks.set(client.id, (acks.get(client.id) ?? 0) + 1))
  const connected = new Map<string, Client>()
  broker.on('clientReady', (client) => connected.set(client.id, client))
  return {
    broker,
    url: bare.url,
    ackCount: (clientId) => acks.get(clientId) ?? 0,
    dropAndAwaitReconnect: (clientId) =>
      new Promise((resolve, reject) => {
        const current = connected.get(clientId)
        if (current === undefined) return reject(new Error(`${clientId} is not connected`))
        const onReady = (c: Client): void => {
          if (c.id !== clientId || c === current) return
          broker.off('clientReady', onReady)
          resolve()
        }
        broker.on('clientReady', onReady)
        current.close()
      }),
    acksFrom: (clientId, n) =>
      new Promise((resolve) => {
        const check = (): void => {
          if ((acks.get(clientId) ?? 0) < n) return
          broker.off('ack', check)
          resolve()
        }
        broker.on('ack', check)
        check()
      }),
    close: () => bare.close()
  }
}

export async function startPublisher(url: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId: `dev-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 })
}

export type LogLine = Record<string, unknown>

export interface LogCapture {
  log: pino.Logger
  lines: LogLine[]
  warnings(): LogLine[]
  errors(): LogLine[]
  /** Resolves with the first line logged from now on whose `msg` is `msg`. */
  next(msg: string): Promise<LogLine>
}

/** A real pino logger writing JSON lines into an array, so tests assert on what is logged. */
export function captureLog(): LogCapture {
  const lines: LogLine[] = []
  const waiters: Array<{ msg: string; resolve: (line: LogLine) => void }> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue
        const line = JSON.parse(text) as LogLine
        lines.push(line)
        for (const w of waiters.filter((x) => x.msg === line.msg)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
      done()
    }
  })
  const log = pino({ level: 'debug' }, sink)
  return {
    log,
    lines,
    warnings: () => lines.filter((l) => l.level === 40),
    errors: () => lines.filter((l) => l.level === 50),
    next: (msg) => new Promise((resolve) => waiters.push({ msg, resolve }))
  }
}

let clientSeq = 0
export function testConfig(url: string, overrides: Partial<IngestConfigInput> = {}): IngestConfig {
  clientSeq += 1
  return ingestConfigSchema.parse({
    mqttUrl: url,
    mqttPassword: 'ingest-test-secret',
    clientId: `ingest-test-${process.pid}-${clientSeq}`,
    batchMaxWaitMs: 5,
    retryBaseMs: 5,
    retryMaxMs: 20,
    ...overrides
  })
}

/**
 * Fault injection around a real store (not a mock of ingest): fails the next `failNext` writes,
 * or holds writes until `release()`; records every call that reached it.
 */
export class FaultyStore implements ReadingsStore {
  readonly kind: ReadingsStore['kind']
  readonly events: string[] = []
  readonly writeSizes: number[] = []
  failNext = 0
  /** `ts` of every reading the inner store took, in the order of the writes. */
  readonly writtenTs: number[] = []
  /** `ts` of each write call's readings as the call arrives, held or failed ones too. */
  readonly triedTs: number[][] = []
  #gate: Promise<void> | undefined
  #open: (() => void) | undefined
  #entered: Array<() => void> = []

  constructor(readonly inner: ReadingsStore) {
    this.kind = inner.kind
  }

  /** Writes wait from now on until `release()`. */
  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve))
  }

  release(): void {
    this.#open?.()
    this.#gate = undefined
  }

  /** Resolves when the next write call reaches the store. */
  nextWrite(): Promise<void> {
    return new Promise((resolve) => this.#entered.push(resolve))
  }

  async write(readings: readonly Reading[]): Promise<void> {
    this.triedTs.push(readings.map((r) => r.ts))
    for (const f of this.#entered.splice(0)) f()
    if (this.#gate !== undefined) await this.#gate
    if (this.failNext > 0) {
      this.failNext -= 1
      this.events.push('write-failed')
      throw new Error('injected store failure')
    }
    // The inner store's own refusal of some points still writes the others (store-error.ts).
    let refused: PointsRejectedError | undefined
    try {
      await this.inner.write(readings)
    } catch (err) {
      if (!(err instanceof PointsRejectedError)) throw err
      refused = err
    }
    this.writeSizes.push(readings.length)
    this.writtenTs.push(...readings.filter((_r, i) => !refused?.rejected.some((x) => x.index === i)).map((r) => r.ts))
    this.events.push('write-ok')
    if (refused !== undefined) throw refused
  }

  writeStatuses(statuses: readonly DeviceStatus[]): Promise<void> {
    return this.inner.writeStatuses(statuses)
  }
  query(...a: Parameters<ReadingsStore['query']>): ReturnType<ReadingsStore['query']> {
    return this.inner.query(...a)
  }
  aggregate(...a: Parameters<ReadingsStore['aggregate']>): ReturnType<ReadingsStore['aggregate']> {
    return this.inner.aggregate(...a)
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
