import { InfluxDB } from '@influxdata/influxdb-client'
import type pino from 'pino'
import type { InfluxConfig } from './influx-config.js'
import { checkBucketRetention, ensureDatabase, type InfluxQl } from './influx-database.js'
import { readingLine, statusLine } from './influx-lines.js'
import { aggregatesOf, latestOf, readingsOf, statusesOf, type Foreign } from './influx-rows.js'
import { aggregateStatement, latestStatement, latestStatusStatement, parseSeries, rangeStatement } from './influx-ql.js'
import { influxTransport } from './influx-transport.js'
import { describeFailure, influxLineWriter } from './influx-write.js'
import { readingProblem, splitPoints, statusProblem, type ReadingsStore } from './readings-store.js'
import { PointsRejectedError, StoreError, type RejectedPoint } from './store-error.js'

export interface InfluxReadingsStoreOptions {
  log?: pino.Logger
}

/**
 * Readings in InfluxDB (README "Readings in InfluxDB"): written through the official client's
 * WriteApi (influx-write.ts), read with InfluxQL on `/query`, which 1.x, 2.x (through DBRP
 * mappings) and 3.x all serve. Idempotency is InfluxDB's own: a point with the same series and
 * time overwrites the fields it carries.
 *
 * Opening waits for no request, so a process starts while InfluxDB is down; with `create` (api
 * v1) the database is made before the first read or write (again after a failed attempt), and in
 * api v2 the bucket's retention is checked in the background.
 *
 * A write() resolves once InfluxDB acknowledged every point, rejects with PointsRejectedError when
 * some can never be stored (the rest are), and rejects otherwise within `timeoutMs`.
 *
 * Caveat: the series key holds the region, site and type tags, so a device moved to another site
 * or county starts new series. A reading redelivered after the move (now tagged with the new site)
 * is a second point, not an overwrite as in SQLite, whose key is (device, sensor, ts).
 */
export function openInfluxReadingsStore(config: InfluxConfig, opts: InfluxReadingsStoreOptions = {}): ReadingsStore {
  const log = opts.log?.child({ module: 'influx-readings' })
  const transport = influxTransport(new InfluxDB({ url: config.url, timeout: config.timeoutMs }).transport, {
    api: config.api,
    database: config.database,
    retentionPolicy: config.retentionPolicy,
    token: config.token,
    timeoutMs: config.timeoutMs
  })
  const writer = influxLineWriter(new InfluxDB({ url: config.url, transport }), config)

  const influxql: InfluxQl = async (statement, onDatabase = true) => {
    const q = new URLSearchParams({ epoch: 'ms' })
    if (onDatabase) {
      q.set('db', config.database)
      if (config.retentionPolicy !== undefined) q.set('rp', config.retentionPolicy)
    }
    let body: unknown
    try {
      // POST: 1.x refuses CREATE over GET, and the statement stays out of access logs and URL limits.
      body = await transport.request(`/query?${q.toString()}`, new URLSearchParams({ q: statement }).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
      })
    } catch (err) {
      throw new Error(`InfluxDB query failed: ${describeFailure(err, config.timeoutMs)}`, { cause: err })
    }
    return parseSeries(body, statement)
  }

  let ready: Promise<void> | undefined
  const whenReady = (): Promise<void> => {
    if (!config.create) return Promise.resolve()
    ready ??= ensureDatabase(influxql, config, log).catch((err: unknown) => {
      ready = undefined
      throw new Error(`InfluxDB database ${JSON.stringify(config.database)} could not be checked or created: ${(err as Error).message}`, { cause: err })
    })
    return ready
  }
  const bucketCheck = config.api === 'v2' ? checkBucketRetention(transport, config, log) : Promise.resolve()

  const foreign: Foreign = (what, series) => log?.warn({ measurement: series.name, tags: series.tags }, `InfluxDB returned a ${what}; skipped`)

  let closed = false
  const ensureOpen = (): void => {
    if (closed) throw new StoreError('GH_ERR_STORE_CLOSED', 'readings store is closed')
  }
  // close() waits for these, so no write resolves after the WriteApi is closed.
  const inFlight = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p)
    const done = (): void => {
      inFlight.delete(p)
    }
    p.then(done, done)
    return p
  }

  const writePoints = async <T>(points: readonly T[], problem: (p: T) => string | undefined, line: (p: T) => string): Promise<void> => {
    ensureOpen()
    const { good, goodIndex, rejected } = splitPoints(points, problem)
    let refused: RejectedPoint[] = []
    if (good.length > 0) {
      await whenReady()
      refused = await writer.write(good.map(line), goodIndex)
    }
    if (rejected.length > 0 || refused.length > 0) throw new PointsRejectedError([...rejected, ...refused].sort((a, b) => a.index - b.index))
  }

  const select = async (statement: string | undefined): Promise<Awaited<ReturnType<InfluxQl>>> => {
    ensureOpen()
    if (statement === undefined) return []
    await whenReady()
    return influxql(statement)
  }

  return {
    kind: 'influxdb',
    write: (readings) => track(writePoints(readings, readingProblem, readingLine)),
    writeStatuses: (statuses) => track(writePoints(statuses, statusProblem, statusLine)),
    query: async (q) => {
      const out = readingsOf(await select(rangeStatement(q)), q.siteId, foreign)
      // LIMIT applied per series: the first `limit` of all of them are among those.
      out.sort((a, b) => a.ts - b.ts || compare(a.deviceId, b.deviceId) || compare(a.sensorId, b.sensorId))
      return q.limit === undefined ? out : out.slice(0, q.limit)
    },
    aggregate: async (q) => {
      const out = aggregatesOf(await select(aggregateStatement(q)), q.fn, foreign)
      out.sort((a, b) => a.ts - b.ts || compare(a.deviceId, b.deviceId) || compare(a.sensorId, b.sensorId))
      return q.limit === undefined ? out : out.slice(0, q.limit)
    },
    latest: async (siteId) => {
      const out = latestOf(await select(latestStatement(siteId)), siteId, foreign)
      return out.sort((a, b) => compare(a.deviceId, b.deviceId) || compare(a.sensorId, b.sensorId))
    },
    latestStatuses: async (siteId) => {
      const out = statusesOf(await select(latestStatusStatement(siteId)), siteId, foreign)
      return out.sort((a, b) => compare(a.deviceId, b.deviceId))
    },
    ping: async () => {
      if (closed) return false
      try {
        await transport.request('/ping', '', { method: 'GET' })
        return true
      } catch (err) {
        log?.warn({ err: new Error(describeFailure(err, config.timeoutMs)) }, 'InfluxDB ping failed')
        return false
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      await Promise.allSettled([...inFlight, bucketCheck])
      await writer.close()
      log?.info('readings store closed')
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
