import { expect, test } from 'vitest'
import { decodeUplink } from '../../domain/decode.js'
import { encodeDpFrame } from '../../domain/dzt0450.js'
import type { UplinkTopic } from '../../domain/topics.js'

const at = (kind: UplinkTopic['kind'], deviceId = 'D1'): UplinkTopic => ({ prov: '51', county: '513223', siteId: 'S1', deviceId, kind })
const json = (v: unknown) => Buffer.from(JSON.stringify(v))

test('native data becomes canonical readings placed by the topic', () => {
  const r = decodeUplink(
    at('data'),
    json({ v: 1, seq: 7, readings: [{ sensor: 'rain1', type: 'rain', ts: '2026-07-27T18:00:00+08:00', fields: { intervalMm: 2.5 } }] }),
    0
  )
  expect(r).toEqual({
    ok: true,
    value: {
      readings: [
        { deviceId: 'D1', sensorId: 'rain1', type: 'rain', siteId: 'S1', county: '513223', ts: Date.parse('2026-07-27T10:00:00Z'), fields: { intervalMm: 2.5 }, seq: 7 }
      ],
      statuses: []
    }
  })
})

test('native status becomes a canonical status', () => {
  const r = decodeUplink(at('status'), json({ v: 1, ts: 1_700_000_000_000, batteryPct: 80, sensorState: { rain1: -3 } }), 0)
  expect(r.ok && r.value.statuses).toEqual([
    { deviceId: 'D1', siteId: 'S1', county: '513223', ts: 1_700_000_000_000, batteryPct: 80, sensorState: { rain1: -3 } }
  ])
})

test.each([
  ['not JSON', Buffer.from('{oops'), /not JSON/],
  ['wrong version', json({ v: 2, readings: [] }), /v:/],
  ['unknown field for the type', json({ v: 1, readings: [{ sensor: 's', type: 'rain', ts: 0, fields: { levelM: 1 } }] }), /field levelM is not one of rain's/],
  ['no fields', json({ v: 1, readings: [{ sensor: 's', type: 'rain', ts: 0, fields: {} }] }), /at least one field/],
  ['timestamp without offset', json({ v: 1, readings: [{ sensor: 's', type: 'rain', ts: '2026-07-27T10:00:00', fields: { intervalMm: 1 } }] }), /ts/],
  ['unknown sensor type', json({ v: 1, readings: [{ sensor: 's', type: 'sonar', ts: 0, fields: { x: 1 } }] }), /type/]
])('native data: rejects %s', (_name, payload, reason) => {
  const r = decodeUplink(at('data'), payload, 0)
  expect(r.ok).toBe(false)
  if (!r.ok) expect(r.reason).toMatch(reason)
})

test('a $dp frame whose key is not the topic device is refused downstream too', () => {
  const r = decodeUplink(at('dp', 'D1'), encodeDpFrame(1, { D2: { L1_LF_1: 1 } }), 5)
  expect(r.ok).toBe(false)
  if (!r.ok) expect(r.reason).toMatch(/device key D2 is not the topic's device D1/)
})

test('an unstamped type-1 frame is dated with the receipt time', () => {
  const r = decodeUplink(at('dp'), encodeDpFrame(1, { D1: { L1_LF_1: 1, S1_ZT_1: { battery_dump_energy: 50 } } }), 1234)
  expect(r.ok && r.value.readings[0]?.ts).toBe(1234)
  expect(r.ok && r.value.statuses[0]).toEqual({ deviceId: 'D1', siteId: 'S1', county: '513223', ts: 1234, batteryPct: 50, sensorState: {} })
})
