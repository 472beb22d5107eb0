import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { ConfigError } from '../../domain/config.js'
import { openReadingsStore } from '../../store/open-readings-store.js'

const dir = mkdtempSync(join(tmpdir(), 'geowarn-open-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('the embedded default is SQLite under the data folder', async () => {
  const store = openReadingsStore({}, dir)
  expect(store.kind).toBe('sqlite')
  expect(await store.ping()).toBe(true)
  await store.close()
})

test('an InfluxDB URL is refused with a reason, not quietly replaced by SQLite', () => {
  expect(() => openReadingsStore({ GEOWARN_INFLUX_URL: 'http://127.0.0.1:8086' }, dir)).toThrow(ConfigError)
  expect(() => openReadingsStore({ GEOWARN_INFLUX_URL: 'http://127.0.0.1:8086' }, dir)).toThrow(/GEOWARN_INFLUX_URL: .*not in this version/)
})
