import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'

/**
 * The publishers of the pipeline benchmarks, in a worker thread of their own (load-worker.ts): one
 * MQTT connection per native demo device, QoS 1, sending the simulator's live reports. A thread of
 * their own, so that the broker and ingest under test do not share their event loop and heap with
 * the load; in particular an overloaded broker's backlog piles up in the publishers' buffers
 * there, not in the heap being measured.
 */
export interface LoadDevice {
  id: string
  secret: string
}

export type LoadCommand =
  /** Build at least `perDevice` messages for each device (once; the same bytes every time). */
  | { cmd: 'prepare'; perDevice: number }
  | { cmd: 'connect'; url: string }
  /** Each device sends its first `count` messages, at most `window` awaiting their PUBACK. */
  | { cmd: 'closed'; count: number; window: number }
  /**
   * Each device sends its first `count` messages on a schedule, `ratePerS` per device from
   * `startAtMs` (epoch ms), without waiting for PUBACKs, as a fleet far larger than our connections
   * would. The schedule, not the send, is a message's start for latency: waiting to be sent counts.
   */
  | { cmd: 'open'; count: number; ratePerS: number; startAtMs: number }
  | { cmd: 'disconnect' }

export type LoadReply =
  | { reply: 'prepared'; perDevice: number; sentAt: SharedArrayBuffer; seqs: Int32Array[]; readings: Int32Array[] }
  | { reply: 'connected' }
  /** Every message sent and acknowledged. */
  | { reply: 'done'; acked: number }
  | { reply: 'disconnected' }
  | { reply: 'error'; message: string }

export interface LoadWorkerData {
  devices: LoadDevice[]
}

/** Epoch ms with sub-ms resolution, comparable between threads (each has its own timeOrigin). */
export const epochMs = (): number => performance.timeOrigin + performance.now()

/**
 * Where each message's send (or scheduled) time is: slot `device * perDevice + k` for a device's
 * k-th message, written by the worker, read by whoever sees the message arrive.
 */
export class Slots {
  readonly #devices: Map<string, number>
  constructor(
    readonly deviceIds: readonly string[],
    readonly perDevice: number,
    readonly sentAt: Float64Array,
    /** Per device: each message's `seq`, ascending. */
    private readonly seqs: readonly Int32Array[],
    /** Per device: how many readings each message carries. */
    readonly readings: readonly Int32Array[]
  ) {
    this.#devices = new Map(deviceIds.map((id, i) => [id, i]))
  }

  /** The slot of a device's message with this seq; -1 if it is not one of ours. */
  slotOf(deviceId: string, seq: number): number {
    const d = this.#devices.get(deviceId)
    const seqs = d === undefined ? undefined : this.seqs[d]
    if (d === undefined || seqs === undefined) return -1
    let lo = 0
    let hi = seqs.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const s = seqs[mid] as number
      if (s === seq) return d * this.perDevice + mid
      if (s < seq) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  /** Readings in the first `count` messages of every device. */
  readingsIn(count: number): number {
    let n = 0
    for (const r of this.readings) for (let k = 0; k < count; k++) n += r[k] ?? 0
    return n
  }
}

/** Bound on any one command: a stall fails the benchmark instead of hanging it. */
const COMMAND_TIMEOUT_MS = 120_000

export class LoadGenerator {
  readonly #worker: Worker
  #pending: { resolve: (r: LoadReply) => void; reject: (e: Error) => void } | undefined
  #broken: Error | undefined

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.on('message', (r: LoadReply) => this.#settle(r))
    worker.on('error', (err) => this.#fail(err))
    worker.on('exit', (code) => this.#fail(new Error(`load worker exited (code ${code})`)))
  }

  static start(devices: readonly LoadDevice[]): LoadGenerator {
    const workerData: LoadWorkerData = { devices: [...devices] }
    return new LoadGenerator(new Worker(new URL('./load-worker.js', import.meta.url), { workerData }))
  }

  async prepare(perDevice: number, deviceIds: readonly string[]): Promise<Slots> {
    const r = await this.#send({ cmd: 'prepare', perDevice })
    if (r.reply !== 'prepared') throw new Error(`load worker: expected prepared, got ${r.reply}`)
    return new Slots(deviceIds, r.perDevice, new Float64Array(r.sentAt), r.seqs, r.readings)
  }

  async connect(url: string): Promise<void> {
    await this.#expect({ cmd: 'connect', url }, 'connected')
  }

  async closed(count: number, window: number): Promise<void> {
    await this.#expect({ cmd: 'closed', count, window }, 'done')
  }

  async open(count: number, ratePerS: number, startAtMs: number): Promise<void> {
    await this.#expect({ cmd: 'open', count, ratePerS, startAtMs }, 'done')
  }

  async disconnect(): Promise<void> {
    await this.#expect({ cmd: 'disconnect' }, 'disconnected')
  }

  async close(): Promise<void> {
    if (this.#broken === undefined) await this.disconnect().catch(() => undefined)
    await this.#worker.terminate()
  }

  async #expect(cmd: LoadCommand, reply: LoadReply['reply']): Promise<void> {
    const r = await this.#send(cmd)
    if (r.reply !== reply) throw new Error(`load worker: expected ${reply} after ${cmd.cmd}, got ${r.reply}`)
  }

  #send(cmd: LoadCommand): Promise<LoadReply> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken)
    if (this.#pending !== undefined) return Promise.reject(new Error(`load worker is busy; ${cmd.cmd} refused`))
    return new Promise<LoadReply>((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`load worker: ${cmd.cmd} took over ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS)
      this.#pending = {
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        }
      }
      this.#worker.postMessage(cmd)
    })
  }

  #settle(r: LoadReply): void {
    const p = this.#pending
    this.#pending = undefined
    if (r.reply === 'error') p?.reject(new Error(`load worker: ${r.message}`))
    else p?.resolve(r)
  }

  #fail(err: Error): void {
    this.#broken ??= err
    const p = this.#pending
    this.#pending = undefined
    p?.reject(err)
  }
}
