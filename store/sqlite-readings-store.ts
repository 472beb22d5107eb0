import type pino from 'pino'
import { deviceStatusSchema, type DeviceStatus, type Reading, type SensorType } from '../domain/index.js'
import { aggregateRows, type AggregateRow } from './aggregate-rows.js'
import { migrate, READINGS_MIGRATIONS } from './migrations.js'
import { readingProblem, splitPoints, statusProblem, type AggregateQuery, type RangeQuery, type ReadingsStore } from './readings-store.js'
import { openSqlite } from './sqlite-open.js'
import { PointsRejectedError, StoreError } from './store-error.js'

export interface SqliteReadingsStoreOptions {
  log?: pino.Logger
  /** Readings and statuses older than this (ms before now) are deleted; unset keeps them for ever. */
  retentionMs?: number
  /** How often the retention is applied: a minute after opening, then every this often (default hourly). */
  pruneEveryMs?: number
}

export interface SqliteReadingsStore extends ReadingsStore {
  /**
   * Delete readings and statuses older than `nowMs - retentionMs`, in chunks so writers wait at most
   * one chunk; resolves to the number of rows deleted. 0 without a retention.
   */
  prune(nowMs: number): Promise<number>
}

// Our choice: one chunk deletes in a few ms, so a write waits no longer than that for the lock.
const PRUNE_CHUNK_ROWS = 2_000
const HOUR_MS = 3_600_000
const PRUNE_FIRST_AFTER_MS = 60_000

interface ReadingRow {
  device_id: string
  sensor_id: string
  ts: number
  site_id: string
  county: string
  type: SensorType
  fields: string
  seq: number | null
}

interface Series {
  device_id: string
  sensor_id: string
  type: SensorType
}

/** [ts, fields json, seq, county], from `.raw()`. */
type ScanRow = [number, string, number | null, string]

type ReadingParams = [string, string, number, string, string, string, string, number | null]

const READING_COLUMNS = 'device_id, sensor_id, ts, site_id, county, type, fields, seq'

/**
 * The embedded readings store. better-sqlite3 is synchronous; each call runs to completion inside an
 * async function, so a write has committed before it resolves (durability: see below).
 */
export function openSqliteReadingsStore(path: string, opts: SqliteReadingsStoreOptions = {}): SqliteReadingsStore {
  const log = opts.log?.child({ module: 'sqlite-readings' })
  // NORMAL: once write() resolves the batch survives a crash of the process, the common failure
  // behind a PUBACK; only a power cut of the host can lose the last commits (never corrupt the
  // file). Readings are not on the warning path (rules read the topics), and FULL would fsync
  // every batch of a high-rate stream.
  const db = openSqlite(path, { synchronous: 'NORMAL' })
  const version = migrate(db, READINGS_MIGRATIONS)
  log?.info({ path, schemaVersion: version }, 'readings store open')

  const st = {
    insertReading: db.prepare<ReadingParams>(
      `INSERT INTO readings (${READING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, sensor_id, ts) DO UPDATE SET site_id = excluded.site_id, county = excluded.county,
         type = excluded.type, fields = excluded.fields, seq = excluded.seq`
    ),
    // `>=`: a redelivered newest reading with a corrected value replaces itself here too.
    upsertLatest: db.prepare<ReadingParams>(
      `INSERT INTO latest_readings (${READING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (site_id, device_id, sensor_id) DO UPDATE SET ts = excluded.ts,
         county = excluded.county, type = excluded.type, fields = excluded.fields, seq = excluded.seq
       WHERE excluded.ts >= latest_readings.ts`
    ),
    addSeries: db.prepare<[string, string, string, string]>(
      'INSERT OR IGNORE INTO site_series (site_id, device_id, sensor_id, type) VALUES (?, ?, ?, ?)'
    ),
    series: db.prepare<[string], Series>('SELECT device_id, sensor_id, type FROM site_series WHERE site_id = ?'),
    // Raw arrays: measurably cheaper than row objects on the hot aggregate path.
    scan: db
      .prepare<[string, string, string, number, number, string, number], ScanRow>(
        `SELECT ts, fields, seq, county FROM readings
         WHERE device_id = ? AND sensor_id = ? AND type = ? AND ts >= ? AND ts < ? AND site_id = ? ORDER BY ts LIMIT ?`
      )
      .raw(),
    insertStatus: db.prepare<[string, number, string, string]>(
      `INSERT INTO statuses (device_id, ts, site_id, json) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id, ts) DO UPDATE SET site_id = excluded.site_id, json = excluded.json`
    ),
    upsertLatestStatus: db.prepare<[string, number, string, string]>(
      `INSERT INTO latest_statuses (device_id, ts, site_id, json) VALUES (?, ?, ?, ?)
       ON CONFLICT (site_id, device_id) DO UPDATE SET ts = excluded.ts, json = excluded.json
       WHERE excluded.ts >= latest_statuses.ts`
    ),
    latest: db.prepare<[string], ReadingRow>(
      `SELECT ${READING_COLUMNS} FROM latest_readings WHERE site_id = ? ORDER BY device_id, sensor_id`
    ),
    latestStatuses: db.prepare<[string], { json: string }>(
      'SELECT json FROM latest_statuses WHERE site_id = ? ORDER BY device_id'
    ),
    ping: db.prepare<[], { one: number }>('SELECT 1 AS one'),
    // Retention walks the primary keys (device, sensor, ts) and (device, ts) one series at a time:
    // no index on ts alone is needed, and each DELETE is a range of one b-tree.
    prunableSeries: db.prepare<[], { device_id: string; sensor_id: string }>('SELECT DISTINCT device_id, sensor_id FROM site_series'),
    readingsChunkEnd: db
      .prepare<[string, string, number, number], number>('SELECT ts FROM readings WHERE device_id = ? AND sensor_id = ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?')
      .pluck(),
    deleteReadings: db.prepare<[string, string, number]>('DELETE FROM readings WHERE device_id = ? AND sensor_id = ? AND ts < ?'),
    prunableDevices: db.prepare<[], { device_id: string }>('SELECT DISTINCT device_id FROM latest_statuses'),
    statusesChunkEnd: db.prepare<[string, number, number], number>('SELECT ts FROM statuses WHERE device_id = ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?').pluck(),
    deleteStatuses: db.prepare<[string, number]>('DELETE FROM statuses WHERE device_id = ? AND ts < ?'),
    // One row per series or device: small tables, a plain scan.
    deleteLatestReadings: db.prepare<[number]>('DELETE FROM latest_readings WHERE ts < ?'),
    deleteLatestStatuses: db.prepare<[number]>('DELETE FROM latest_statuses WHERE ts < ?')
  }

  const writeReadings = db.transaction((readings: readonly Reading[]) => {
    for (const r of readings) {
      const params: ReadingParams = [r.deviceId, r.sensorId, r.ts, r.siteId, r.county, r.type, JSON.stringify(r.fields), r.seq ?? null]
      st.insertReading.run(...params)
      st.upsertLatest.run(...params)
      st.addSeries.run(r.siteId, r.deviceId, r.sensorId, r.type)
    }
  })

  const writeStatuses = db.transaction((statuses: readonly DeviceStatus[]) => {
    for (const s of statuses) {
      const json = JSON.stringify(s)
      st.insertStatus.run(s.deviceId, s.ts, s.siteId, json)
      st.upsertLatestStatus.run(s.deviceId, s.ts, s.siteId, json)
    }
  })

  const seriesOf = (q: RangeQuery): Series[] =>
    st.series.all(q.siteId).filter(
      (x) =>
        (q.deviceId === undefined || q.deviceId === x.device_id) &&
        (q.sensorId === undefined || q.sensorId === x.sensor_id) &&
        (q.type === undefined || q.type === x.type)
    )

  // LIMIT -1 is SQLite for "no limit".
  const scanSeries = (ser: Series, q: RangeQuery, limit: number | undefined): ScanRow[] =>
    st.scan.all(ser.device_id, ser.sensor_id, ser.type, q.from, q.to, q.siteId, limit ?? -1)

  let closed = false
  const ensureOpen = (): void => {
    if (closed) throw new StoreError('GH_ERR_STORE_CLOSED', 'readings store is closed')
  }

  /** Delete one series' rows older than `cutoff`, one chunk per statement, yielding between chunks. */
  const pruneChunks = async (chunkEnd: () => number | undefined, remove: (bound: number) => number, cutoff: number): Promise<number> => {
    let deleted = 0
    for (;;) {
      if (closed) return deleted
      const end = chunkEnd()
      // ts is unique within a series: deleting up to `end` removes exactly one chunk.
      deleted += remove(end === undefined ? cutoff : end + 1)
      if (end === undefined) return deleted
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  const retentionMs = opts.retentionMs
  const pruneNow = async (cutoff: number): Promise<number> => {
    let deleted = 0
    for (const { device_id, sensor_id } of st.prunableSeries.all()) {
      deleted += await pruneChunks(
        () => st.readingsChunkEnd.get(device_id, sensor_id, cutoff, PRUNE_CHUNK_ROWS - 1),
        (bound) => st.deleteReadings.run(device_id, sensor_id, bound).changes,
        cutoff
      )
    }
    for (const { device_id } of st.prunableDevices.all()) {
      deleted += await pruneChunks(
        () => st.statusesChunkEnd.get(device_id, cutoff, PRUNE_CHUNK_ROWS - 1),
        (bound) => st.deleteStatuses.run(device_id, bound).changes,
        cutoff
      )
    }
    if (closed) return deleted
    // Last, so an interrupted prune still finds the devices whose statuses remain.
    deleted += st.deleteLatestReadings.run(cutoff).changes + st.deleteLatestStatuses.run(cutoff).changes
    if (deleted > 0) log?.info({ deleted, olderThan: new Date(cutoff).toISOString() }, 'readings pruned')
    return deleted
  }
  // One prune at a time: a call waits for the one running, failed or not (its failure is its caller's).
  let pruning: Promise<void> = Promise.resolve()
  const prune = async (nowMs: number): Promise<number> => {
    ensureOpen()
    if (retentionMs === undefined) return 0
    const run = pruning.then(() => pruneNow(nowMs - retentionMs))
    pruning = run.then(noop, noop)
    return run
  }
  const prunePeriodically = (): void => {
    if (!closed) prune(Date.now()).catch((err: unknown) => log?.error({ err }, 'readings prune failed'))
  }
  // The first run waits out the busy start of the process; then hourly. Unref'd: retention must not
  // keep alive a process that has nothing else to do.
  const firstPrune = retentionMs === undefined ? undefined : setTimeout(prunePeriodically, PRUNE_FIRST_AFTER_MS).unref()
  const everyPrune = retentionMs === undefined ? undefined : setInterval(prunePeriodically, opts.pruneEveryMs ?? HOUR_MS).unref()

  return {
    kind: 'sqlite',
    write: async (readings) => {
      ensureOpen()
      const { good, rejected } = splitPoints(readings, readingProblem)
      if (good.length > 0) writeReadings(good)
      if (rejected.length > 0) throw new PointsRejectedError(rejected)
    },
    writeStatuses: async (statuses) => {
      ensureOpen()
      const { good, rejected } = splitPoints(statuses, statusProblem)
      if (good.length > 0) writeStatuses(good)
      if (rejected.length > 0) throw new PointsRejectedError(rejected)
    },
    prune,
    query: async (q) => {
      ensureOpen()
      const out: Reading[] = []
      for (const ser of seriesOf(q)) {
        for (const [ts, fields, seq, county] of scanSeries(ser, q, q.limit)) {
          const r: Reading = { deviceId: ser.device_id, sensorId: ser.sensor_id, type: ser.type, siteId: q.siteId, county, ts, fields: parseFields(fields) }
          if (seq !== null) r.seq = seq
          out.push(r)
        }
      }
      out.sort((a, b) => a.ts - b.ts || compare(a.deviceId, b.deviceId) || compare(a.sensorId, b.sensorId))
      return q.limit === undefined ? out : out.slice(0, q.limit)
    },
    aggregate: async (q) => {
      ensureOpen()
      checkAggregate(q)
      const rows: AggregateRow[] = []
      for (const ser of seriesOf(q)) {
        for (const [ts, fields] of scanSeries(ser, q, undefined)) {
          rows.push({ deviceId: ser.device_id, sensorId: ser.sensor_id, type: ser.type, ts, fields: parseFields(fields) })
        }
      }
      const points = aggregateRows(rows, q.everyMs, q.fn)
      return q.limit === undefined ? points : points.slice(0, q.limit)
    },
    latest: async (siteId) => {
      ensureOpen()
      return st.latest.all(siteId).map(toReading)
    },
    latestStatuses: async (siteId) => {
      ensureOpen()
      return st.latestStatuses.all(siteId).map((r) => deviceStatusSchema.parse(JSON.parse(r.json)))
    },
    ping: async () => {
      if (closed) return false
      try {
        return st.ping.get()?.one === 1
      } catch (err) {
        log?.warn({ err }, 'readings store ping failed')
        return false
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      clearTimeout(firstPrune)
      clearInterval(everyPrune)
      // A running prune stops at its next chunk.
      await pruning
      db.close()
      log?.info('readings store closed')
    }
  }
}

function noop(): void {}

function checkAggregate(q: AggregateQuery): void {
  if (!Number.isSafeInteger(q.everyMs) || q.everyMs <= 0) {
    throw new StoreError('GH_ERR_BAD_QUERY', `everyMs must be a positive integer, got ${q.everyMs}`)
  }
}

function toReading(r: ReadingRow): Reading {
  const reading: Reading = {
    deviceId: r.device_id,
    sensorId: r.sensor_id,
    type: r.type,
    siteId: r.site_id,
    county: r.county,
    ts: r.ts,
    fields: parseFields(r.fields)
  }
  if (r.seq !== null) reading.seq = r.seq
  return reading
}

/** Fields were validated on the way in (domain readingSchema) and written by us as JSON numbers. */
function parseFields(json: string): Record<string, number> {
  return JSON.parse(json) as Record<string, number>
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
