import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { ConfigError } from '../../domain/config.js'
import { loadInfluxConfig } from '../../store/influx-config.js'
import { openReadingsStore } from '../../store/open-readings-store.js'

const dir = mkdtempSync(join(tmpdir(), 'geowarn-open-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('no ConfigError')
}

test('the embedded default is SQLite under the data folder', async () => {
  const store = openReadingsStore({}, dir)
  expect(store.kind).toBe('sqlite')
  expect(await store.ping()).toBe(true)
  await store.close()
})

test('an InfluxDB URL opens the InfluxDB store, without a request: the process may start before InfluxDB', async () => {
  // Nothing listens on port 1; opening still succeeds, the first write would fail.
  const store = openReadingsStore({ GEOWARN_INFLUX_URL: 'http://127.0.0.1:1', GEOWARN_INFLUX_API: 'v1' }, dir)
  expect(store.kind).toBe('influxdb')
  expect(await store.ping()).toBe(false)
  await store.close()
})

test('InfluxDB defaults: api v2, bucket geowarn, 10 s timeout, gzip, 730 days, no create; v1 creates by default', () => {
  expect(loadInfluxConfig({ GEOWARN_INFLUX_URL: 'http://influxdb:8086' })).toEqual({
    url: 'http://influxdb:8086',
    bucket: 'geowarn',
    api: 'v2',
    timeoutMs: 10_000,
    gzip: true,
    create: false,
    retentionMs: 730 * 24 * 3_600_000,
    database: 'geowarn',
    retentionPolicy: undefined
  })
  expect(loadInfluxConfig({ GEOWARN_INFLUX_URL: 'http://h:8086', GEOWARN_INFLUX_API: 'V1', GEOWARN_INFLUX_BUCKET: 'geo/raw', GEOWARN_READINGS_RETENTION: 'inf' })).toMatchObject({
    api: 'v1',
    create: true,
    database: 'geo',
    retentionPolicy: 'raw',
    retentionMs: undefined
  })
  expect(loadInfluxConfig({ GEOWARN_INFLUX_URL: 'http://h:8086', GEOWARN_INFLUX_API: 'v1', GEOWARN_INFLUX_CREATE: 'false' }).create).toBe(false)
})

test('bad InfluxDB settings fail with every problem listed, and the token is never echoed', () => {
  const err = configError(() =>
    openReadingsStore(
      {
        GEOWARN_INFLUX_URL: 'influx:8086',
        GEOWARN_INFLUX_TOKEN: 'sup3r-secret-token',
        GEOWARN_INFLUX_API: 'v3',
        GEOWARN_INFLUX_BUCKET: 'a/b/c',
        GEOWARN_INFLUX_TIMEOUT_MS: 'soon',
        GEOWARN_INFLUX_GZIP: 'maybe',
        GEOWARN_READINGS_RETENTION: '2y'
      },
      dir
    )
  )
  expect(err.problems.map((p) => p.split(':')[0])).toEqual([
    'GEOWARN_INFLUX_URL',
    'GEOWARN_INFLUX_BUCKET',
    'GEOWARN_INFLUX_API',
    'GEOWARN_INFLUX_TIMEOUT_MS',
    'GEOWARN_INFLUX_GZIP',
    'GEOWARN_READINGS_RETENTION'
  ])
  expect(err.message).toMatch(/GEOWARN_READINGS_RETENTION: a duration like 730d, 104w or 48h, or inf \(got "2y"\)/)
  expect(err.message).not.toContain('sup3r-secret-token')
})

test('creating the database is for api v1 only: v2 buckets come with their retention', () => {
  const err = configError(() => loadInfluxConfig({ GEOWARN_INFLUX_URL: 'http://h:8086', GEOWARN_INFLUX_CREATE: 'true' }))
  expect(err.problems).toEqual(['GEOWARN_INFLUX_CREATE: creating the database is for api v1 only (got "true")'])
})

test.each([
  ['48h', 48],
  ['730d', 730 * 24],
  ['104W', 104 * 168]
])('retention %s is %d hours', (text, hours) => {
  expect(loadInfluxConfig({ GEOWARN_INFLUX_URL: 'http://h:8086', GEOWARN_READINGS_RETENTION: text }).retentionMs).toBe(hours * 3_600_000)
})

test('the SQLite store checks GEOWARN_READINGS_RETENTION too', () => {
  const err = configError(() => openReadingsStore({ GEOWARN_READINGS_RETENTION: '30m' }, dir))
  expect(err.problems).toEqual([expect.stringMatching(/^GEOWARN_READINGS_RETENTION: a duration like 730d/)])
  expect(configError(() => openReadingsStore({ GEOWARN_READINGS_RETENTION: '0h' }, dir)).problems).toEqual([
    'GEOWARN_READINGS_RETENTION: at least 1h (got "0h")'
  ])
})
