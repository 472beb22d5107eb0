import { Worker } from 'node:worker_threads'
import { provincePrefix, topics, type AlertEvent, type AlertLevel, type Site, type SiteAlertState } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import { benchAlert } from './dashboard-world.js'
import { percentile } from './stats.js'

/**
 * Fan-out of one alert to many dashboard sockets: the sockets and the publisher (the rules
 * service's part) live in a worker thread (dashboard-fanout-worker.ts), the broker and the
 * dashboard in this one, so on two cores each side has one and the client's own work (500
 * WebSocket frames to parse) does not queue behind the server's. Latency: from just before the
 * MQTT publish to each socket's `alert` event, both read on the worker's clock.
 */

export interface FanoutWorkerData {
  url: string
  mqttUrl: string
  mqttPassword: string
  /** Bearer tokens; socket i signs in with token i mod n. */
  tokens: string[]
  sockets: number
}

export type FanoutCommand =
  | { cmd: 'connect' }
  | { cmd: 'publish'; alertId: string; alertTopic: string; alertPayload: string; stateTopic: string; statePayload: string; timeoutMs: number }
  | { cmd: 'close' }

export type FanoutReply =
  | { reply: 'connected'; ms: number }
  | { reply: 'published'; latenciesMs: number[]; missed: number }
  | { reply: 'closed' }
  | { reply: 'error'; message: string }

/** One alert's fan-out: every socket's latency, and how many never got it. */
export interface FanoutSample {
  p50: number
  p99: number
  max: number
  missed: number
}

/** An alert not at every socket after this is a failure, not a slow figure. */
const DELIVERY_TIMEOUT_MS = 10_000
/** Between alerts: the previous one's site-level events and regions refetches have settled. */
const PAUSE_MS = 250
const LEVELS: readonly AlertLevel[] = ['blue', 'yellow', 'orange', 'red']

export class FanoutClients {
  readonly #worker: Worker
  #seq = 0

  private constructor(worker: Worker) {
    this.#worker = worker
  }

  static async start(data: FanoutWorkerData): Promise<{ clients: FanoutClients; connectMs: number }> {
    const worker = new Worker(new URL('./dashboard-fanout-worker.js', import.meta.url), { workerData: data })
    const clients = new FanoutClients(worker)
    try {
      const r = await clients.#ask({ cmd: 'connect' })
      if (r.reply !== 'connected') throw new Error(`fan-out worker: unexpected ${r.reply}`)
      return { clients, connectMs: r.ms }
    } catch (err) {
      await worker.terminate()
      throw err
    }
  }

  /**
   * What the rules service does for a new level: store the alert and the site's level, then
   * publish both (the timing starts at the publish; the store writes come before, as in rules).
   */
  async alert(db: PlatformDb, site: Site, now: number): Promise<FanoutSample> {
    const level = LEVELS[this.#seq % LEVELS.length] as AlertLevel
    const alert = benchAlert(`fanout-${this.#seq++}-${now}`, site, level, now)
    db.saveAlert(alert)
    const state: SiteAlertState = { siteId: site.id, county: site.county, level, alertId: alert.id, since: now }
    db.setSiteLevel(state)
    const t = { prov: provincePrefix(site.county), county: site.county, siteId: site.id }
    const event: AlertEvent = { kind: 'opened', at: now, alert }
    const r = await this.#ask({
      cmd: 'publish',
      alertId: alert.id,
      alertTopic: topics.alert(t),
      alertPayload: JSON.stringify(event),
      stateTopic: topics.alertState(t),
      statePayload: JSON.stringify(state),
      timeoutMs: DELIVERY_TIMEOUT_MS
    })
    if (r.reply !== 'published') throw new Error(`fan-out worker: unexpected ${r.reply}`)
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
    if (r.latenciesMs.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN, missed: r.missed }
    return { p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99), max: Math.max(...r.latenciesMs), missed: r.missed }
  }

  async close(): Promise<void> {
    try {
      await this.#ask({ cmd: 'close' })
    } finally {
      await this.#worker.terminate()
    }
  }

  #ask(cmd: FanoutCommand): Promise<FanoutReply> {
    const worker = this.#worker
    return new Promise((resolve, reject) => {
      const off = (): void => {
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
      }
      const onMessage = (r: FanoutReply): void => {
        off()
        if (r.reply === 'error') reject(new Error(`fan-out worker: ${r.message}`))
        else resolve(r)
      }
      const onError = (err: Error): void => {
        off()
        reject(err)
      }
      const onExit = (code: number): void => {
        off()
        reject(new Error(`fan-out worker exited (${code}) during ${cmd.cmd}`))
      }
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
      worker.postMessage(cmd)
    })
  }
}
