import type { SendOptions, Transport } from '@influxdata/influxdb-client'

export interface InfluxTransportOptions {
  api: 'v1' | 'v2'
  database: string
  retentionPolicy: string | undefined
  token: string | undefined
  timeoutMs: number
}

const V2_WRITE = '/api/v2/write?'

/**
 * Wraps the client's HTTP transport for every request the store makes:
 * - api v1: the WriteApi's `/api/v2/write?org=&bucket=&precision=` (hardcoded in the client's
 *   WriteApiImpl) becomes `/write?db=&rp=&precision=`, the only write path of InfluxDB <= 1.7;
 * - auth: `user:password` goes as HTTP basic auth (1.x has no `Token` scheme before 1.8; 1.8, 2.x
 *   and 3.x accept basic auth on their 1.x endpoints too), anything else as `Token <token>`;
 * - a deadline: each request is aborted `timeoutMs` after it starts, whatever the socket does
 *   (the client's own `timeout` is an idle timeout, which a slow trickle of bytes defeats).
 */
export function influxTransport(inner: Transport, opts: InfluxTransportOptions): Transport {
  const auth = authorization(opts.api, opts.token)
  const v1Write = (path: string): string => {
    const precision = new URLSearchParams(path.slice(V2_WRITE.length)).get('precision') ?? 'ns'
    const q = new URLSearchParams({ db: opts.database })
    if (opts.retentionPolicy !== undefined) q.set('rp', opts.retentionPolicy)
    q.set('precision', precision)
    return `/write?${q.toString()}`
  }
  const route = (path: string): string => (opts.api === 'v1' && path.startsWith(V2_WRITE) ? v1Write(path) : path)
  const headers = (options: SendOptions): Record<string, string> => ({ ...options.headers, ...(auth === undefined ? {} : { authorization: auth }) })
  // A timer cleared when the request ends, not AbortSignal.timeout(): the client's abort listener
  // holds the request's callbacks (and so its lines) until the signal is collected, and a timeout
  // signal lives until it fires.
  const deadline = (options: SendOptions): { options: SendOptions; done: () => void } => {
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), opts.timeoutMs)
    return { options: { ...options, headers: headers(options), signal: abort.signal }, done: () => clearTimeout(timer) }
  }
  return {
    chunkCombiner: inner.chunkCombiner,
    send: (path, body, options, callbacks) => {
      const d = deadline(options)
      inner.send(route(path), body, d.options, {
        ...callbacks,
        error: (err) => {
          d.done()
          callbacks?.error?.(err)
        },
        complete: () => {
          d.done()
          callbacks?.complete?.()
        }
      })
    },
    request: (path, body, options, responseStarted) => {
      const d = deadline(options)
      return inner.request(route(path), body, d.options, responseStarted).finally(d.done)
    },
    iterate: async function* (path, body, options) {
      const d = deadline(options)
      try {
        yield* inner.iterate(route(path), body, d.options)
      } finally {
        d.done()
      }
    }
  }
}

function authorization(api: 'v1' | 'v2', token: string | undefined): string | undefined {
  if (token === undefined) return undefined
  if (api === 'v1' && token.includes(':')) return `Basic ${Buffer.from(token, 'utf8').toString('base64')}`
  return `Token ${token}`
}
