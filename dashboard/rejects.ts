import type pino from 'pino'

/**
 * Bad input at the edges (MQTT payloads, socket events, HTTP bodies): counted per kind, logged at
 * warn the first time a kind is seen and at debug afterwards, so a flood cannot drown the log
 * (design.md "Delivery guarantees").
 */
export class RejectCounter {
  readonly #counts = new Map<string, number>()
  readonly #log: pino.Logger

  constructor(log: pino.Logger) {
    this.#log = log
  }

  reject(kind: string, reason: string, context: Record<string, unknown> = {}): void {
    const n = (this.#counts.get(kind) ?? 0) + 1
    this.#counts.set(kind, n)
    const entry = { ...context, kind, reason, rejectedSoFar: n }
    if (n === 1) this.#log.warn(entry, 'input rejected (further rejections of this kind are logged at debug)')
    else this.#log.debug(entry, 'input rejected')
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#counts)
  }
}
