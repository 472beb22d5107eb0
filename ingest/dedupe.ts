import type { DeviceStatus, Reading } from '../domain/readings.js'

/**
 * The most recent `capacity` keys, oldest evicted first. A Set iterates in insertion order, so it
 * is its own ring. Writes are idempotent in the store; this only saves the write and counts.
 */
export class RecentKeys {
  readonly #keys = new Set<string>()
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#keys.size
  }

  /** True if the key was seen recently; otherwise remembers it and returns false. */
  seen(key: string): boolean {
    if (this.#keys.has(key)) return true
    if (this.capacity === 0) return false
    this.#keys.add(key)
    if (this.#keys.size > this.capacity) {
      const oldest = this.#keys.values().next()
      if (!oldest.done) this.#keys.delete(oldest.value)
    }
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
