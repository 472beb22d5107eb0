import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { DeviceStatus, Reading, SensorType } from '../../domain/index.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { PointsRejectedError } from '../../store/store-error.js'

/**
 * The one suite every ReadingsStore passes (style.md: two implementations, one contract, as
 * aedes-persistence does for its backends). Each test uses its own site id, so a backend that
 * keeps data between `open()` calls (one InfluxDB bucket) still sees a clean slate.
 */
export function readingsStoreContract(name: string, open: () => Promise<ReadingsStore>): void {
  describe(`ReadingsStore contract: ${name}`, () => {
    let store: ReadingsStore
    let siteId: string
    // 2026-01-01T00:00:00Z: whole hours, so windows line up with the epoch.
    const t0 = Date.UTC(2026, 0, 1)
    const MIN = 60_000
    const HOUR = 60 * MIN

    beforeEach(async () => {
      store = await open()
      siteId = `site-${randomBytes(4).toString('hex')}`
    })
    afterEach(async () => {
      await store.close()
    })

    function reading(over: Partial<Reading> & { ts: number; fields: Record<string, number> }): Reading {
      return { deviceId: 'dev-1', sensorId: 'L3_YL_1', type: 'rain' as SensorType, siteId, county: '510722', ...over }
    }

    function status(over: Partial<DeviceStatus> & { ts: number }): DeviceStatus {
      return { deviceId: 'dev-1', siteId, county: '510722', sensorState: { L3_YL_1: 0 }, ...over }
    }

    test('a written batch comes back from a range query, oldest first, [from, to)', async () => {
      await store.write([
        reading({ ts: t0 + 2 * MIN, fields: { intervalMm: 0.5 }, seq: 3 }),
        reading({ ts: t0, fields: { intervalMm: 0.1 }, seq: 1 }),
        reading({ ts: t0 + MIN, fields: { intervalMm: 0.2, totalMm: 0.3 }, seq: 2 }),
        reading({ ts: t0 + 3 * MIN, fields: { intervalMm: 9 } })
      ])
      const got = await store.query({ siteId, from: t0, to: t0 + 3 * MIN })
      expect(got).toEqual([
        reading({ ts: t0, fields: { intervalMm: 0.1 }, seq: 1 }),
        reading({ ts: t0 + MIN, fields: { intervalMm: 0.2, totalMm: 0.3 }, seq: 2 }),
        reading({ ts: t0 + 2 * MIN, fields: { intervalMm: 0.5 }, seq: 3 })
      ])
    })

    test('query filters by device, sensor and type, and honours limit', async () => {
      await store.write([
        reading({ ts: t0, fields: { intervalMm: 1 } }),
        reading({ ts: t0 + MIN, fields: { intervalMm: 2 } }),
        reading({ sensorId: 'L1_LF_1', type: 'crack', ts: t0, fields: { openingMm: 10 } }),
        reading({ deviceId: 'dev-2', sensorId: 'L1_LF_1', type: 'crack', ts: t0, fields: { openingMm: 20 } })
      ])
      const range = { siteId, from: t0, to: t0 + HOUR }
      expect((await store.query({ ...range, deviceId: 'dev-2' })).map((r) => r.fields)).toEqual([{ openingMm: 20 }])
      expect((await store.query({ ...range, type: 'crack' })).map((r) => r.deviceId)).toEqual(['dev-1', 'dev-2'])
      expect((await store.query({ ...range, deviceId: 'dev-1', sensorId: 'L1_LF_1' })).map((r) => r.fields)).toEqual([{ openingMm: 10 }])
      expect((await store.query({ ...range, type: 'rain', limit: 1 })).map((r) => r.ts)).toEqual([t0])
    })

    test('a redelivered reading overwrites itself: one row, the new value', async () => {
      await store.write([reading({ ts: t0, fields: { intervalMm: 1 } })])
      await store.write([reading({ ts: t0, fields: { intervalMm: 7 } })])
      const got = await store.query({ siteId, from: t0, to: t0 + 1 })
      expect(got).toEqual([reading({ ts: t0, fields: { intervalMm: 7 } })])
      const sum = await store.aggregate({ siteId, from: t0, to: t0 + HOUR, everyMs: HOUR, fn: 'sum' })
      expect(sum.map((p) => p.fields)).toEqual([{ intervalMm: 7 }])
    })

    test('readings of other sites stay out', async () => {
      await store.write([reading({ ts: t0, fields: { intervalMm: 1 } }), reading({ deviceId: 'dev-9', siteId: `${siteId}-x`, ts: t0, fields: { intervalMm: 2 } })])
      expect(await store.query({ siteId, from: t0, to: t0 + HOUR })).toHaveLength(1)
    })

    describe('aggregate', () => {
      // Two hours of one reading every 20 min, values 1..6, plus a second sensor in hour one.
      beforeEach(async () => {
        await store.write([
          ...[1, 2, 3, 4, 5, 6].map((v, i) => reading({ ts: t0 + i * 20 * MIN, fields: { intervalMm: v, totalMm: v * 10 } })),
          reading({ sensorId: 'L1_LF_1', type: 'crack', ts: t0 + 5 * MIN, fields: { openingMm: 2 } }),
          reading({ sensorId: 'L1_LF_1', type: 'crack', ts: t0 + 15 * MIN, fields: { openingMm: 4 } })
        ])
      })

      test.each([
        ['mean', [2, 5], [20, 50], 3],
        ['min', [1, 4], [10, 40], 2],
        ['max', [3, 6], [30, 60], 4],
        ['sum', [6, 15], [60, 150], 6],
        ['last', [3, 6], [30, 60], 4],
        ['count', [3, 3], [3, 3], 2]
      ] as const)('%s per hour window, per field', async (fn, interval, total, crack) => {
        const points = await store.aggregate({ siteId, from: t0, to: t0 + 2 * HOUR, everyMs: HOUR, fn })
        expect(points).toEqual([
          { ts: t0, deviceId: 'dev-1', sensorId: 'L1_LF_1', type: 'crack', fields: { openingMm: crack } },
          { ts: t0, deviceId: 'dev-1', sensorId: 'L3_YL_1', type: 'rain', fields: { intervalMm: interval[0], totalMm: total[0] } },
          { ts: t0 + HOUR, deviceId: 'dev-1', sensorId: 'L3_YL_1', type: 'rain', fields: { intervalMm: interval[1], totalMm: total[1] } }
        ])
      })

      test('windows are aligned to the epoch, not to `from`', async () => {
        const points = await store.aggregate({ siteId, sensorId: 'L3_YL_1', from: t0 + 30 * MIN, to: t0 + 2 * HOUR, everyMs: HOUR, fn: 'count' })
        expect(points.map((p) => [p.ts, p.fields.intervalMm])).toEqual([
          [t0, 1],
          [t0 + HOUR, 3]
        ])
      })

      test('last is the newest reading of the window even if written out of order', async () => {
        await store.write([reading({ ts: t0 + 59 * MIN, fields: { intervalMm: 42 } }), reading({ ts: t0 + MIN, fields: { intervalMm: 99 } })])
        const points = await store.aggregate({ siteId, sensorId: 'L3_YL_1', from: t0, to: t0 + HOUR, everyMs: HOUR, fn: 'last' })
        expect(points.map((p) => p.fields.intervalMm)).toEqual([42])
      })

      test('a field missing from some readings is aggregated over those that have it', async () => {
        await store.write([reading({ ts: t0 + 1, fields: { intervalMm: 100 } })])
        const points = await store.aggregate({ siteId, sensorId: 'L3_YL_1', from: t0, to: t0 + HOUR, everyMs: HOUR, fn: 'count' })
        expect(points[0]?.fields).toEqual({ intervalMm: 4, totalMm: 3 })
      })
    })

    test('latest: the newest reading of each (device, sensor) of the site', async () => {
      await store.write([
        reading({ ts: t0 + 2 * MIN, fields: { intervalMm: 2 } }),
        reading({ ts: t0 + MIN, fields: { intervalMm: 1 } }),
        reading({ sensorId: 'L1_LF_1', type: 'crack', ts: t0, fields: { openingMm: 5 } })
      ])
      // An older reading arriving late must not displace the newest.
      await store.write([reading({ ts: t0, fields: { intervalMm: 0 } })])
      const got = await store.latest(siteId)
      const bySensor = Object.fromEntries(got.map((r) => [r.sensorId, [r.ts, r.fields]]))
      expect(got).toHaveLength(2)
      expect(bySensor).toEqual({ L3_YL_1: [t0 + 2 * MIN, { intervalMm: 2 }], L1_LF_1: [t0, { openingMm: 5 }] })
    })

    test('statuses: the newest per device of the site', async () => {
      await store.writeStatuses([
        status({ ts: t0, batteryPct: 90 }),
        status({ ts: t0 + HOUR, batteryPct: 80, tempC: 12.5, swVersion: '1.2.0' }),
        status({ deviceId: 'dev-2', ts: t0, batteryV: 3.6, sensorState: { L1_LF_1: -2 } }),
        status({ siteId: `${siteId}-x`, deviceId: 'dev-3', ts: t0 })
      ])
      await store.writeStatuses([status({ ts: t0 + MIN, batteryPct: 1 })])
      const got = await store.latestStatuses(siteId)
      expect([...got].sort((a, b) => a.deviceId.localeCompare(b.deviceId))).toEqual([
        status({ ts: t0 + HOUR, batteryPct: 80, tempC: 12.5, swVersion: '1.2.0' }),
        status({ deviceId: 'dev-2', ts: t0, batteryV: 3.6, sensorState: { L1_LF_1: -2 } })
      ])
    })

    test('empty results, empty writes', async () => {
      await store.write([])
      await store.writeStatuses([])
      const range = { siteId, from: t0, to: t0 + HOUR }
      expect(await store.query(range)).toEqual([])
      expect(await store.aggregate({ ...range, everyMs: MIN, fn: 'mean' })).toEqual([])
      expect(await store.latest(siteId)).toEqual([])
      expect(await store.latestStatuses(siteId)).toEqual([])
    })

    describe('points a store can never hold', () => {
      const refusal = (p: Promise<void>): Promise<unknown> => p.then(
        () => undefined,
        (err: unknown) => err
      )

      test('a poisoned batch loses only its bad points, each named with a reason', async () => {
        const err = await refusal(
          store.write([
            reading({ ts: t0, fields: { intervalMm: 1 } }),
            reading({ ts: t0 + MIN, fields: { intervalMm: Number.NaN } }),
            reading({ ts: t0 + 2 * MIN, fields: { intervalMm: 2 } }),
            reading({ ts: Date.UTC(3000, 0, 1), fields: { intervalMm: 3 } }),
            reading({ ts: t0 + 3 * MIN, fields: { intervalMm: 4 } })
          ])
        )
        expect(err).toBeInstanceOf(PointsRejectedError)
        expect(err).toMatchObject({
          code: 'GH_ERR_BAD_POINT',
          rejected: [
            { index: 1, reason: expect.stringMatching(/intervalMm.*not a finite number/) },
            { index: 3, reason: expect.stringMatching(/timestamp .* outside 1677-09-21\.\.2262-04-11/) }
          ]
        })
        expect((await store.query({ siteId, from: t0, to: t0 + HOUR })).map((r) => r.fields)).toEqual([{ intervalMm: 1 }, { intervalMm: 2 }, { intervalMm: 4 }])
      })

      test.each([
        ['no field', {}, /at least one field/],
        ['an empty field name', { '': 1 }, /empty name/],
        ['a field named time', { time: 1 }, /"time" is reserved/],
        ['a field named like a tag', { site: 1 }, /"site" is reserved/],
        ['an infinite value', { intervalMm: Number.POSITIVE_INFINITY }, /not a finite number/]
      ])('a reading with %s is refused', async (_what, fields, reason) => {
        const err = await refusal(store.write([reading({ ts: t0, fields }), reading({ ts: t0 + MIN, fields: { intervalMm: 5 } })]))
        expect(err).toMatchObject({ rejected: [{ index: 0, reason: expect.stringMatching(reason) }] })
        expect((await store.query({ siteId, from: t0, to: t0 + HOUR })).map((r) => r.fields)).toEqual([{ intervalMm: 5 }])
      })

      test('timestamps at the ends of the range are kept, one ms beyond is refused', async () => {
        const first = Date.parse('1677-09-21T00:12:43.146Z')
        const last = Date.parse('2262-04-11T23:47:16.854Z')
        const err = await refusal(
          store.write([
            reading({ ts: first - 1, fields: { intervalMm: 1 } }),
            reading({ ts: first, fields: { intervalMm: 2 } }),
            reading({ ts: last, fields: { intervalMm: 3 } }),
            reading({ ts: last + 1, fields: { intervalMm: 4 } }),
            reading({ ts: t0 + 0.5, fields: { intervalMm: 5 } })
          ])
        )
        expect(err).toMatchObject({ rejected: [{ index: 0 }, { index: 3 }, { index: 4, reason: expect.stringMatching(/not an integer/) }] })
        expect((await store.query({ siteId, from: first - 1, to: last + 2 })).map((r) => r.ts)).toEqual([first, last])
      })

      test('a poisoned status batch loses only its bad statuses', async () => {
        const err = await refusal(
          store.writeStatuses([
            status({ ts: t0, batteryPct: Number.NaN }),
            status({ deviceId: 'dev-2', ts: t0, batteryPct: 50 }),
            status({ deviceId: 'dev-3', ts: Date.UTC(1600, 0, 1) })
          ])
        )
        expect(err).toMatchObject({
          rejected: [
            { index: 0, reason: expect.stringMatching(/batteryPct is not a finite number/) },
            { index: 2, reason: expect.stringMatching(/outside/) }
          ]
        })
        expect(await store.latestStatuses(siteId)).toEqual([status({ deviceId: 'dev-2', ts: t0, batteryPct: 50 })])
      })
    })

    test('ping answers while open', async () => {
      expect(await store.ping()).toBe(true)
    })
  })
}
