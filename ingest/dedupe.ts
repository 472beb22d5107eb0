import type { DeviceStatus, Reading } from '../domain/readings.js'

/**
 * The most recent `capacity` keys, oldest evicted first. Writes are idempotent in the store; this
 * only saves the write and counts.
 *
 * Eviction goes through a ring of the keys, not through the Set's own insertion order: taking a
 * Set's first value walks every deleted slot until V8 rehashes, which measured 12–45 µs per call
 * once 100 k keys had turned over (0.2 µs before), and starved a long overload (bench "overload").
 */
export class RecentKeys {
  readonly #keys = new Set<string>()
  readonly #ring: Array<string | undefined>
  #next = 0

  constructor(readonly capacity: number) {
    this.#ring = new Array<string | undefined>(capacity)
  }

  get size(): number {
    return this.#keys.size
  }

  /** True if the key was seen recently; otherwise remembers it and returns false. */
  seen(key: string): boolean {
    if (this.#keys.has(key)) return true
    if (this.capacity === 0) return false
    const evicted = this.#ring[this.#next]
    if (evicted !== undefined) this.#keys.delete(evicted)
    this.#ring[this.#next] = key
    this.#next = (this.#next + 1) % this.capacity
    this.#keys.add(key)
    return false
  }
}

/** Store identity of a reading: (deviceId, sensorId, ts), readings-store.ts `write`. */
export function readingKey(r: Pick<Reading, 'deviceId' | 'sensorId' | 'ts'>): string {
  return `r\u0000${r.deviceId}\u0000${r.sensorId}\u0000${r.ts}`
}

export function statusKey(s: Pick<DeviceStatus, 'deviceId' | 'ts'>): string {
  return `s\u0000${s.deviceId}\u0000${s.ts}`
}
