import { HttpError, type InfluxDB, type WriteApi } from '@influxdata/influxdb-client'
import type { InfluxConfig } from './influx-config.js'
import type { RejectedPoint } from './store-error.js'

// Our choice: InfluxDB's recommended batch of 5,000 lines, and bytes well under 1.x's default
// max-body-size (25 MB), counted before gzip.
export const CHUNK_LINES = 5_000
export const CHUNK_BYTES = 8 * 1024 * 1024
// The client's own default: bodies above 1 kB are gzipped.
const GZIP_THRESHOLD_BYTES = 1_000

/**
 * The server's words for "these points can never be written", as 1.x (400), 2.x (400, 422) and
 * 3.x (400) put them. A 400 that names the request instead (`retention policy not found` is a 500
 * in 1.x; `database is required`, a missing org) is not one of them: the whole write fails and the
 * caller keeps the batch, rather than dropping good points as "bad".
 */
const POINT_ERROR = /partial write|unable to parse|pars(e|ing)|conflict|beyond retention|invalid (field|tag|measurement|timestamp)/i

/** Sends lines and tells which were refused for good; anything else rejects. */
export interface LineWriter {
  /** Resolves when every line is acknowledged or refused; `index[i]` is line i's index for the caller. */
  write(lines: readonly string[], index: readonly number[]): Promise<RejectedPoint[]>
  close(): Promise<void>
}

/**
 * Writes through the client's WriteApi (its gzip, its batching into requests, its HTTP error
 * handling) so that the promise of each write() call stands for exactly its own lines:
 *
 * - flush() reports only the first attempt: a retryable failure also queues the lines in the
 *   WriteApi's RetryBuffer, whose later success or failure (or the dropping of its oldest lines past
 *   maxBufferLines) nobody awaits. So maxRetries is 0 and writeFailed rejects at once: retrying is
 *   ingest's durable spool's job, and a write() that resolved means InfluxDB answered 204.
 * - a batch the WriteApi flushes by itself (batchSize or maxBatchBytes reached inside
 *   writeRecords()) has its failure swallowed; so each call's lines go in chunks that stay under
 *   both limits, each written and flushed synchronously, and flushInterval is 0 (no timer flush).
 * - a request gives up after `timeoutMs` (the transport's deadline), so a down or hung server makes
 *   write() reject within that time instead of hanging.
 * - a 400/422 naming bad points: the chunk is halved until the refused lines are alone, and the
 *   rest is written (an unpredictable refusal such as a field type conflict costs ~2·log2(n) requests,
 *   sent one at a time).
 */
export function influxLineWriter(client: InfluxDB, config: InfluxConfig): LineWriter {
  const api: WriteApi = client.getWriteApi(config.org ?? '', config.bucket, 'ms', {
    batchSize: CHUNK_LINES + 1,
    maxBatchBytes: CHUNK_BYTES + 1,
    flushInterval: 0,
    maxRetries: 0,
    gzipThreshold: config.gzip ? GZIP_THRESHOLD_BYTES : Number.MAX_SAFE_INTEGER,
    // Returning a promise makes it the outcome of the flush: no retry queue, no console log.
    writeFailed: (error) => Promise.reject(error)
  })

  const post = (lines: readonly string[]): Promise<void> => {
    api.writeRecords(lines as string[])
    return api.flush()
  }

  const send = async (lines: readonly string[], index: readonly number[]): Promise<RejectedPoint[]> => {
    try {
      await post(lines)
      return []
    } catch (err) {
      const reason = pointError(err)
      if (reason === undefined) throw writeFailure(err, config.timeoutMs)
      if (lines.length === 1) return [{ index: index[0] ?? -1, reason }]
      const mid = lines.length >>> 1
      // One half after the other: in parallel, scattered bad points would fire 2^depth requests at once.
      const first = await send(lines.slice(0, mid), index.slice(0, mid))
      const second = await send(lines.slice(mid), index.slice(mid))
      return [...first, ...second]
    }
  }

  return {
    write: async (lines, index) => {
      const refused: RejectedPoint[] = []
      const sends: Array<Promise<RejectedPoint[]>> = []
      let start = 0
      let bytes = 0
      const flushChunk = (end: number): void => {
        if (end > start) sends.push(send(lines.slice(start, end), index.slice(start, end)))
        start = end
        bytes = 0
      }
      for (let i = 0; i < lines.length; i++) {
        const size = Buffer.byteLength(lines[i] ?? '') + 1
        if (size > CHUNK_BYTES) {
          flushChunk(i)
          refused.push({ index: index[i] ?? -1, reason: `the point is larger than ${CHUNK_BYTES} bytes of line protocol` })
          start = i + 1
          continue
        }
        if (i - start >= CHUNK_LINES || bytes + size > CHUNK_BYTES) flushChunk(i)
        bytes += size
      }
      flushChunk(lines.length)
      // Settle every chunk before failing, so no request outlives the call unobserved.
      const settled = await Promise.allSettled(sends)
      for (const s of settled) {
        if (s.status === 'rejected') throw s.reason
        refused.push(...s.value)
      }
      return refused.sort((a, b) => a.index - b.index)
    },
    close: () => api.close()
  }
}

/** The server's reason when `err` refuses points for good; undefined for any other failure. */
function pointError(err: unknown): string | undefined {
  if (!(err instanceof HttpError) || (err.statusCode !== 400 && err.statusCode !== 422)) return undefined
  const message = serverMessage(err)
  return POINT_ERROR.test(message) ? `InfluxDB: ${message.slice(0, 300)}` : undefined
}

/** 1.x answers `{"error": …}`, 2.x `{"code", "message"}`; the client only reads the latter. */
export function serverMessage(err: HttpError): string {
  const json: unknown = err.json ?? parseJson(err.body)
  if (typeof json === 'object' && json !== null) {
    const { error, message } = json as { error?: unknown; message?: unknown }
    if (typeof error === 'string') return error
    if (typeof message === 'string') return message
  }
  return err.body ?? err.message
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** What went wrong, for the caller's log: the HTTP status and the server's words, or no answer in time. */
export function writeFailure(err: unknown, timeoutMs: number): Error {
  return new Error(`InfluxDB write failed: ${describeFailure(err, timeoutMs)}`, { cause: err })
}

export function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof HttpError) return `HTTP ${err.statusCode}: ${serverMessage(err).slice(0, 300)}`
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError' || err.name === 'RequestTimedOutError')) {
    return `no answer within ${timeoutMs} ms`
  }
  return err instanceof Error ? err.message : String(err)
}
