/**
 * Seeded randomness as pure functions of a key. Every random number in the simulator is drawn from
 * `(seed, key)` so that a frame depends only on the seed, the scenario and the time, never on the
 * order in which devices happen to run. No Math.random.
 */

/** 32-bit FNV-1a of a string, then avalanched (Murmur3 fmix32) so that nearby keys scatter. */
export function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** mulberry32 (Tommy Ettinger, public domain): a tiny PRNG with a 32-bit state; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A PRNG stream for one key under one seed. */
export function streamFor(seed: number, key: string): () => number {
  return mulberry32(hash32(`${seed}|${key}`))
}

/** Uniform in [0, 1) for `(seed, key)`. */
export function uniform(seed: number, key: string): number {
  return streamFor(seed, key)()
}

/** Uniform in [min, max) for `(seed, key)`. */
export function between(seed: number, key: string, min: number, max: number): number {
  return min + (max - min) * uniform(seed, key)
}

/** Standard normal for `(seed, key)` (Box–Muller on two draws of the key's stream). */
export function gaussian(seed: number, key: string): number {
  const next = streamFor(seed, key)
  const u1 = Math.max(next(), 1e-12)
  const u2 = next()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** Round to a number of decimals, as a device's firmware prints it. */
export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals
  return Math.round(value * f) / f
}
