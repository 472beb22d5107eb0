import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test, vi } from 'vitest'
import type { DeviceStatus, Reading } from '../../domain/index.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { readingsStoreContract } from './readings-contract.js'

const dir = mkdtempSync(join(tmpdir(), 'geowarn-readings-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

readingsStoreContract('sqlite :memory:', async () => openSqliteReadingsStore(':memory:'))

// One file shared by every test, as one InfluxDB bucket would be: the contract must not rely on a fresh store.
readingsStoreContract('sqlite file', async () => openSqliteReadingsStore(join(dir, 'shared', 'readings.db')))

describe('sqlite readings store', () => {
  const reading = { deviceId: 'd1', sensorId: 's1', type: 'crack', siteId: 'site1', county: '510722', ts: 1000, fields: { openingMm: 1.5 } } as const

  test('a committed write survives close and reopen', async () => {
    const path = join(dir, 'reopen', 'readings.db')
    const first = openSqliteReadingsStore(path)
    await first.write([reading])
    await first.close()
    const second = openSqliteReadingsStore(path)
    expect(await second.query({ siteId: 'site1', from: 0, to: 2000 })).toEqual([reading])
    await second.close()
  })

  test('after close, ping says false and writes reject with a code', async () => {
    const store = openSqliteReadingsStore(':memory:')
    await store.close()
    expect(await store.ping()).toBe(false)
    await expect(store.write([reading])).rejects.toMatchObject({ code: 'GH_ERR_STORE_CLOSED' })
  })

  test('a non-positive window is rejected with a code', async () => {
    const store = openSqliteReadingsStore(':memory:')
    await expect(store.aggregate({ siteId: 'site1', from: 0, to: 1, everyMs: 0, fn: 'mean' })).rejects.toMatchObject({ code: 'GH_ERR_BAD_QUERY' })
    await store.close()
  })
})

describe('sqlite retention', () => {
  const DAY = 24 * 3_600_000
  const now = Date.UTC(2026, 5, 1)
  const at = (ts: number, over: Partial<Reading> = {}): Reading => ({ deviceId: 'd1', sensorId: 's1', type: 'crack', siteId: 'site1', county: '510722', ts, fields: { openingMm: 1 }, ...over })
  const statusAt = (ts: number, deviceId = 'd1'): DeviceStatus => ({ deviceId, siteId: 'site1', county: '510722', ts, sensorState: {} })

  test('prune deletes readings and statuses older than the retention, in chunks, and keeps the rest', async () => {
    const store = openSqliteReadingsStore(':memory:', { retentionMs: 30 * DAY })
    // More old rows in one series than one delete chunk holds.
    const old = Array.from({ length: 4_500 }, (_, i) => at(now - 60 * DAY + i * 1000))
    await store.write([...old, at(now - 31 * DAY, { sensorId: 's2' }), at(now - 29 * DAY), at(now - DAY, { deviceId: 'd2' })])
    await store.writeStatuses([statusAt(now - 40 * DAY), statusAt(now - DAY), statusAt(now - 40 * DAY, 'd3')])
    expect(await store.prune(now)).toBe(4_500 + 1 + 1 + 1 + 1 + 1)
    expect((await store.query({ siteId: 'site1', from: 0, to: now })).map((r) => [r.deviceId, r.sensorId, r.ts])).toEqual([
      ['d1', 's1', now - 29 * DAY],
      ['d2', 's1', now - DAY]
    ])
    // s2's only reading is gone, so is its latest; d3's only status likewise.
    expect((await store.latest('site1')).map((r) => [r.deviceId, r.sensorId])).toEqual([
      ['d1', 's1'],
      ['d2', 's1']
    ])
    expect((await store.latestStatuses('site1')).map((s) => [s.deviceId, s.ts])).toEqual([['d1', now - DAY]])
    expect(await store.prune(now)).toBe(0)
    await store.close()
  })

  test('without a retention nothing is pruned', async () => {
    const store = openSqliteReadingsStore(':memory:')
    await store.write([at(0)])
    expect(await store.prune(now)).toBe(0)
    expect(await store.query({ siteId: 'site1', from: 0, to: 1 })).toHaveLength(1)
    await store.close()
  })

  test('the retention is applied a minute after opening, then every pruneEveryMs', async () => {
    vi.useFakeTimers({ now })
    try {
      const store = openSqliteReadingsStore(':memory:', { retentionMs: DAY, pruneEveryMs: 3_600_000 })
      await store.write([at(now - 2 * DAY), at(now)])
      await vi.advanceTimersByTimeAsync(60_000)
      expect((await store.query({ siteId: 'site1', from: 0, to: now + 1 })).map((r) => r.ts)).toEqual([now])
      // The hourly run after the reading at `now` is a day old.
      await vi.advanceTimersByTimeAsync(DAY + 3_600_000)
      expect(await store.query({ siteId: 'site1', from: 0, to: now + DAY })).toEqual([])
      await store.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
