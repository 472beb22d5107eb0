/**
 * Admission control for device uplinks: at most `limit` of them inside the broker at once (let in
 * and not yet written to every subscriber's socket). Past it an uplink waits here, before Aedes
 * acknowledges or queues it, and so does everything behind it on that connection, since Aedes
 * reads a connection's next chunk only once every packet of the current one is done
 * (aedes lib/client.js `nextBatch`). An overloaded broker thus stops reading its devices' sockets,
 * and the backlog stays with them (TCP buffers, then the devices' own store-and-forward) instead
 * of in Aedes' queues, where each waiting message makes the next one dearer (README "Overload").
 *
 * Pure: no timers and no logging. The shell (app.ts) calls `tick` and reports the transitions.
 */
export interface PublishGateStats {
  /** Uplinks let in and not yet delivered, now. */
  inBroker: number
  /** Uplinks waiting to be let in, now. */
  waiting: number
  /** Since start: uplinks that had to wait, their total and their longest wait. */
  delayed: number
  delayedMs: number
  maxDelayMs: number
  /** An uplink has waited within the last `quietMs`. */
  overloaded: boolean
  /** Overloads entered since start. */
  overloads: number
}

export type OverloadTransition = 'entered' | 'left'

export interface PublishGateOptions {
  limit: number
  /** An overload ends once no uplink has waited for this long. */
  quietMs: number
  now: () => number
  onTransition: (transition: OverloadTransition, stats: PublishGateStats) => void
}

interface Waiter {
  packet: object
  owner: object
  sinceMs: number
  proceed: () => void
}

export class PublishGate {
  readonly #opts: PublishGateOptions
  /** Let in and not finished: packet → the connection it came from. */
  readonly #inside = new Map<object, object>()
  /** FIFO read from `#head`: Array#shift is O(n) on long arrays, the very cost this gate avoids. */
  #queue: Array<Waiter | undefined> = []
  #head = 0
  #lastWaitMs = Number.NEGATIVE_INFINITY
  #overloaded = false
  /** Inside #letIn: a `proceed` that delivers synchronously (QoS 0, no subscriber) must not recurse. */
  #letting = false
  readonly #counts = { delayed: 0, delayedMs: 0, maxDelayMs: 0, overloads: 0 }

  constructor(opts: PublishGateOptions) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new RangeError(`publish gate limit must be a positive integer, not ${opts.limit}`)
    this.#opts = opts
  }

  /**
   * Runs `proceed` now if there is room and nothing waits, else once room is made. Nothing
   * overtakes a waiting uplink, so each connection's packets reach Aedes in the order they came.
   * `packet` names the uplink for `finish`, `owner` its connection for `forget`.
   */
  admit(packet: object, owner: object, proceed: () => void): void {
    if (this.#waiting() === 0 && this.#inside.size < this.#opts.limit) {
      this.#inside.set(packet, owner)
      proceed()
      return
    }
    const now = this.#opts.now()
    this.#queue.push({ packet, owner, sinceMs: now, proceed })
    this.#lastWaitMs = now
    if (!this.#overloaded) {
      this.#overloaded = true
      this.#counts.overloads += 1
      // Before this uplink is counted, so that an overload's share of `delayed` is end − start.
      this.#opts.onTransition('entered', this.stats())
    }
    this.#counts.delayed += 1
  }

  /** The uplink has been delivered (Aedes' `publish` event): room for the next. */
  finish(packet: object): void {
    if (this.#inside.delete(packet)) this.#letIn()
  }

  /**
   * A connection closed. Its waiting uplinks are dropped unacknowledged (the device sends them
   * again), and the room its admitted ones hold is freed, since Aedes never delivers a QoS 1
   * publish whose PUBACK it could not write. One delivered after all finds nothing to finish.
   */
  forget(owner: object): void {
    let freed = false
    for (const [packet, o] of this.#inside) {
      if (o === owner) freed = this.#inside.delete(packet) || freed
    }
    const kept = this.#queue.slice(this.#head).filter((w) => w !== undefined && w.owner !== owner)
    if (kept.length !== this.#waiting()) {
      this.#queue = kept
      this.#head = 0
      freed = true
    }
    if (freed) this.#letIn()
  }

  /** Ends the overload once no uplink has waited for `quietMs`. The shell calls it now and then. */
  tick(): void {
    if (this.#overloaded && this.#waiting() === 0 && this.#opts.now() - this.#lastWaitMs >= this.#opts.quietMs) {
      this.#overloaded = false
      this.#opts.onTransition('left', this.stats())
    }
  }

  stats(): PublishGateStats {
    const { delayed, delayedMs, maxDelayMs, overloads } = this.#counts
    return {
      inBroker: this.#inside.size,
      waiting: this.#waiting(),
      delayed,
      delayedMs: Math.round(delayedMs),
      maxDelayMs: Math.round(maxDelayMs),
      overloaded: this.#overloaded,
      overloads
    }
  }

  #letIn(): void {
    if (this.#letting) return
    this.#letting = true
    try {
      while (this.#waiting() > 0 && this.#inside.size < this.#opts.limit) {
        const w = this.#dequeue()
        const waitedMs = this.#opts.now() - w.sinceMs
        this.#counts.delayedMs += waitedMs
        if (waitedMs > this.#counts.maxDelayMs) this.#counts.maxDelayMs = waitedMs
        this.#inside.set(w.packet, w.owner)
        w.proceed()
      }
    } finally {
      this.#letting = false
    }
  }

  #waiting(): number {
    return this.#queue.length - this.#head
  }

  #dequeue(): Waiter {
    const w = this.#queue[this.#head] as Waiter
    this.#queue[this.#head] = undefined
    this.#head += 1
    // Compact once the consumed head is half the array: amortised O(1) per uplink.
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    return w
  }
}
