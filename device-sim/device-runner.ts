import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { Dialect } from '../domain/index.js'
import { alignedTimes, bufferedUpload, liveUpload, nextAlignedTime, type SimDevice, type Upload } from './device-frames.js'
import type { SampleContext } from './station.js'

/** Counters of one dialect; the app sums them. */
export interface DialectCounters {
  published: number
  acked: number
  errors: number
}

export interface RunPlan {
  ctx: SampleContext
  /** Scenario end in wall ms (Infinity = until stopped). */
  endMs: number
  backfillIntervalMs: number
  liveIntervalMs: number
  gnssIntervalMs: number
  statusIntervalMs: number
  batchSamples: number
  now: () => number
}

export interface ConnectOptions {
  url: string
  keepaliveS: number
  reconnectPeriodMs: number
  connectTimeoutMs: number
}

/** A counting semaphore: bounds how many devices connect at once. */
export class Gate {
  #free: number
  readonly #waiting: Array<() => void> = []
  constructor(slots: number) {
    this.#free = slots
  }
  async enter(): Promise<void> {
    if (this.#free > 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }
  leave(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#free++
  }
}

/** Resolves when the signal aborts; never rejects. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms))
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

/** CONNACK codes that retrying cannot fix: bad username or password, not authorised (MQTT 3.1.1 §3.2.2.3). */
const FATAL_CONNACK = new Set([4, 5, 134, 135])

/**
 * One device: its own MQTT connection (client id = username = device id, password = its secret),
 * replays its buffered history in order, then reports live until the scenario ends or `signal` aborts.
 */
export class DeviceRunner {
  readonly dialect: Dialect
  #client: MqttClient | undefined
  #seq = 0
  #lastStatusMs = -Infinity

  constructor(
    readonly sim: SimDevice,
    readonly counters: DialectCounters,
    readonly log: Logger
  ) {
    this.dialect = sim.device.dialect
  }

  /** Connects; false if the device gave up (logged and counted). */
  async connect(opts: ConnectOptions, signal: AbortSignal): Promise<boolean> {
    const { device } = this.sim
    const client = mqtt.connect(opts.url, {
      clientId: device.id,
      username: device.id,
      ...(device.secret === undefined ? {} : { password: device.secret }),
      protocolVersion: 4,
      keepalive: opts.keepaliveS,
      reconnectPeriod: opts.reconnectPeriodMs,
      connectTimeout: Math.min(opts.connectTimeoutMs, 30_000),
      clean: true
    })
    this.#client = client
    const outcome = await new Promise<'ok' | string>((resolve) => {
      const timer = setTimeout(() => finish(`no CONNACK within ${opts.connectTimeoutMs} ms`), opts.connectTimeoutMs)
      const onConnect = (): void => finish('ok')
      const onError = (err: Error & { code?: unknown }): void => {
        if (typeof err.code === 'number' && FATAL_CONNACK.has(err.code)) finish(`refused: ${err.message}`)
      }
      const onAbort = (): void => finish('stopped')
      client.once('connect', onConnect)
      client.on('error', onError)
      signal.addEventListener('abort', onAbort, { once: true })
      function finish(result: string): void {
        clearTimeout(timer)
        client.off('connect', onConnect)
        client.off('error', onError)
        signal.removeEventListener('abort', onAbort)
        resolve(result)
      }
    })
    if (outcome === 'ok') {
      client.on('error', (err) => this.log.debug({ err, deviceId: device.id }, 'device connection error'))
      return true
    }
    if (outcome !== 'stopped') {
      this.counters.errors++
      this.log.warn({ deviceId: device.id, reason: outcome }, 'device could not connect')
    }
    await client.endAsync(true)
    return false
  }

  /** Backfill, catch up with the clock, then live reports. */
  async run(plan: RunPlan, signal: AbortSignal): Promise<void> {
    const { ctx, now } = plan
    const stopped = aborted(signal)
    let lastMs = ctx.startMs
    let prevReportMs: number | undefined
    // Replay in batches until the history reaches the wall clock (the clock moves while we replay).
    for (;;) {
      const times = alignedTimes(lastMs, Math.min(now(), plan.endMs), plan.backfillIntervalMs)
      if (times.length === 0 || signal.aborted) break
      for (let i = 0; i < times.length && !signal.aborted; i += plan.batchSamples) {
        const batch = times.slice(i, i + plan.batchSamples)
        const first = batch[0] as number
        await this.#send(bufferedUpload(ctx, this.sim, batch, prevReportMs ?? first - plan.backfillIntervalMs, this.#seq), signal, stopped)
        prevReportMs = batch.at(-1) as number
        this.#lastStatusMs = prevReportMs
      }
      lastMs = times.at(-1) as number
    }
    // Live reports start from the present: the replay's grid already covers the past.
    lastMs = Math.max(lastMs, now())
    while (!signal.aborted) {
      const next = nextAlignedTime(lastMs, plan.liveIntervalMs)
      if (next > plan.endMs) break
      // Never stamp a time that has not come yet.
      while (!signal.aborted && now() < next) await sleep(next - now(), signal)
      if (signal.aborted) break
      const withStatus = next - this.#lastStatusMs >= plan.statusIntervalMs
      await this.#send(liveUpload(ctx, this.sim, next, prevReportMs ?? next - plan.liveIntervalMs, {
        withStatus,
        seq: this.#seq,
        gnssIntervalMs: plan.gnssIntervalMs
      }), signal, stopped)
      prevReportMs = next
      if (withStatus) this.#lastStatusMs = next
      lastMs = next
    }
  }

  async #send(upload: Upload, signal: AbortSignal, stopped: Promise<void>): Promise<void> {
    const client = this.#client
    if (client === undefined) throw new Error('send before connect')
    this.#seq += upload.seqUsed
    for (const m of upload.messages) {
      if (signal.aborted) return
      this.counters.published++
      const publishing = client.publishAsync(m.topic, m.payload, { qos: 1 }).then(
        () => {
          this.counters.acked++
        },
        (err: unknown) => {
          this.counters.errors++
          this.log.warn({ err, deviceId: this.sim.device.id }, 'publish failed')
        }
      )
      await Promise.race([publishing, stopped])
    }
  }

  async end(force: boolean): Promise<void> {
    const client = this.#client
    this.#client = undefined
    if (client !== undefined) await client.endAsync(force)
  }
}
