import { epochMs, type Slots } from './load.js'

/** What one run measured on the receiving side. */
export interface RunResult {
  readings: number
  /**
   * Readings per second between the arrivals that passed the 10 % and the 90 % marks of the run:
   * the sustained rate, without the ramp-up or the tail of the last partial batch. NaN when both
   * marks fell in one write.
   */
  sustainedPerS: number
  /** Readings per second that arrived inside the window given to `begin`, if one was. */
  windowPerS: number | undefined
  /** Per message: from its send (or scheduled send) to the arrival of its last reading. */
  latenciesMs: number[]
}

/**
 * The receiving side's clock. Whatever counts as arrival (the store's write resolving, a baseline
 * subscriber's message event) reports each message's readings here; the send time comes from the
 * publishers' shared slots.
 */
export class Arrivals {
  readonly #slots: Slots
  /** Readings of each slot still to arrive in this run. */
  readonly #remaining: Int32Array
  #expected = 0
  #readings = 0
  #latencies: number[] = []
  /** When the 10 % and 90 % marks were passed, and how many readings had arrived by then. */
  #at10: { ms: number; readings: number } | undefined
  #at90: { ms: number; readings: number } | undefined
  #window: { fromMs: number; toMs: number; readings: number } | undefined
  #done: (() => void) | undefined

  constructor(slots: Slots) {
    this.#slots = slots
    this.#remaining = new Int32Array(slots.deviceIds.length * slots.perDevice)
  }

  /** A new run: the first `count` messages of every device, optionally counting arrivals in a window (epoch ms). */
  begin(count: number, window?: { fromMs: number; toMs: number }): void {
    const { perDevice, readings } = this.#slots
    this.#remaining.fill(0)
    readings.forEach((r, d) => this.#remaining.set(r.subarray(0, count), d * perDevice))
    this.#expected = this.#slots.readingsIn(count)
    this.#readings = 0
    this.#latencies = []
    this.#at10 = undefined
    this.#at90 = undefined
    this.#window = window === undefined ? undefined : { ...window, readings: 0 }
    this.#done = undefined
  }

  /** `readings` of the message (deviceId, seq) arrived; all it had left when not told. */
  arrived(deviceId: string, seq: number, readings?: number): void {
    const slot = this.#slots.slotOf(deviceId, seq)
    const left = slot < 0 ? 0 : (this.#remaining[slot] as number)
    if (left <= 0) return
    const n = Math.min(left, readings ?? left)
    const now = epochMs()
    this.#remaining[slot] = left - n
    if (left === n) this.#latencies.push(now - (this.#slots.sentAt[slot] as number))
    const before = this.#readings
    this.#readings += n
    if (this.#at10 === undefined && this.#readings >= this.#expected * 0.1) this.#at10 = { ms: now, readings: this.#readings }
    if (this.#at90 === undefined && this.#readings >= this.#expected * 0.9) this.#at90 = { ms: now, readings: this.#readings }
    const w = this.#window
    if (w !== undefined && now >= w.fromMs && now < w.toMs) w.readings += n
    if (before < this.#expected && this.#readings >= this.#expected) this.#done?.()
  }

  /** Resolves once every reading of the run has arrived; rejects after `timeoutMs`. */
  all(timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#done = undefined
        reject(new Error(`${what}: only ${this.#readings} of ${this.#expected} readings arrived within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#done = () => {
        clearTimeout(timer)
        this.#done = undefined
        resolve()
      }
      if (this.#readings >= this.#expected) this.#done()
    })
  }

  result(): RunResult {
    const a = this.#at10
    const b = this.#at90
    const w = this.#window
    return {
      readings: this.#readings,
      sustainedPerS: a !== undefined && b !== undefined && b.ms > a.ms ? ((b.readings - a.readings) * 1000) / (b.ms - a.ms) : Number.NaN,
      windowPerS: w === undefined ? undefined : (w.readings * 1000) / (w.toMs - w.fromMs),
      latenciesMs: this.#latencies
    }
  }
}
