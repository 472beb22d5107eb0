import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
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
