import { afterEach, beforeEach, expect, test } from 'vitest'
import type { Reading } from '../../domain/index.js'
import { siteHistory } from '../../rules/warm-start.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'

const T0 = Date.UTC(2026, 6, 1)
const MIN = 60_000
const site = { id: 'site-w', county: '510723' }

let store: ReadingsStore
beforeEach(() => {
  store = openSqliteReadingsStore(':memory:')
})
afterEach(async () => {
  await store.close()
})

const rain = (ts: number, intervalMm: number, totalMm: number): Reading => ({ deviceId: 'rg', sensorId: 'YL1', type: 'rain', siteId: site.id, county: site.county, ts, fields: { intervalMm, totalMm } })
const crack = (ts: number, openingMm: number): Reading => ({ deviceId: 'lf', sensorId: 'LF1', type: 'crack', siteId: site.id, county: site.county, ts, fields: { openingMm } })

test('the warm start reads history aggregated by the store: rain summed per step, states their last value', async () => {
  await store.write([
    rain(T0 + 10_000, 0.5, 10.5),
    rain(T0 + 40_000, 1.5, 12),
    rain(T0 + MIN + 5_000, 2, 14),
    crack(T0 + 20_000, 3.1),
    crack(T0 + 50_000, 3.4),
    crack(T0 + 2 * MIN, 3.9)
  ])
  const history = await siteHistory(store, site, T0, T0 + 5 * MIN, MIN)
  expect(history.map((r) => [r.ts, r.type, r.fields])).toEqual([
    // The cumulative totalMm does not add up: left out rather than summed into nonsense.
    [T0, 'rain', { intervalMm: 2 }],
    [T0, 'crack', { openingMm: 3.4 }],
    [T0 + MIN, 'rain', { intervalMm: 2 }],
    [T0 + 2 * MIN, 'crack', { openingMm: 3.9 }]
  ])
  expect(history.every((r) => r.siteId === site.id && r.county === site.county)).toBe(true)
})

test('a step as long as the samples are apart keeps every sample', async () => {
  const samples = [0, 1, 2, 3].map((i) => crack(T0 + i * MIN, 3 + i / 10))
  await store.write(samples)
  const history = await siteHistory(store, site, T0, T0 + 10 * MIN, MIN)
  expect(history).toEqual(samples)
})
