import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * A full garbage collection for heap measurements. `node --expose-gc` is not needed: the flag can be
 * set at run time, and a new V8 context created after it carries `gc` (the documented behaviour
 * of the flag; the CLI is started as plain `node dist/cli/main.js`). Undefined if V8 refuses.
 */
export function fullGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: unknown }).gc
  if (typeof existing === 'function') return () => void existing()
  setFlagsFromString('--expose-gc')
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined')
  return typeof gc === 'function' ? () => void gc() : undefined
}

/** Heap in use after a full collection (twice: weak references and finalizers need a second pass). */
export function settledHeapBytes(gc: () => void): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
