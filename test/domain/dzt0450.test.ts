import { describe, expect, test } from 'vitest'
import {
  decodeDpFrame,
  dpDeviceKey,
  encodeDpFrame,
  readDpEnvelope,
  stampPlainFrame,
  type DpFrame
} from '../../domain/dzt0450.js'

function decoded(buf: Uint8Array): DpFrame {
  const r = decodeDpFrame(buf)
  if (!r.ok) throw new Error(r.reason)
  return r.value
}

/** The status frame quoted in domain.md §2, byte for byte as a device sends it. */
const REAL_STATUS_JSON =
  '{"SK00EA0D1307986":{"S1_ZT_1":{"2026-04-13T17:34:04.000Z":{"ext_power_volt":12.12,"solar_volt":0,"battery_dump_energy":0,"temp":20.44,"humidity":89.04,"lon":"0.000000","lat":"0.000000","signal_4g":22,"sw_version":"1.09.250808.RK00PX.BETA","sensor_state":{"L1_LF_1":0}}}}}'

function rawFrame(type: number, json: string): Buffer {
  const body = Buffer.from(json, 'utf8')
  const header = Buffer.from([type, body.length >> 8, body.length & 0xff])
  return Buffer.concat([header, body])
}

describe('DZ/T 0450 $dp frames', () => {
  test('the real S1_ZT_1 status frame from domain.md decodes', () => {
    const f = decoded(rawFrame(2, REAL_STATUS_JSON))
    expect(f.deviceKey).toBe('SK00EA0D1307986')
    expect(f.frameType).toBe(2)
    expect(f.points).toEqual([])
    expect(f.statuses).toEqual([
      {
        ts: Date.parse('2026-04-13T17:34:04.000Z'),
        values: {
          extPowerV: 12.12,
          solarV: 0,
          batteryPct: 0,
          tempC: 20.44,
          humidityPct: 89.04,
          signal4g: 22,
          swVersion: '1.09.250808.RK00PX.BETA'
        },
        sensorState: { L1_LF_1: 0 }
      }
    ])
  })

  test('vendor typos singal_NB and singal_db are read as signalNb and signalBd', () => {
    const f = decoded(rawFrame(2, '{"D1":{"S1_ZT_1":{"2026-04-13T00:00:00.000Z":{"singal_NB":-85,"singal_db":31,"lon":"104.1","lat":"31.2","sensor_state":{"L3_YL_1":-3,"L1_GP_1":"0"}}}}}'))
    expect(f.statuses[0]?.values).toEqual({ signalNb: -85, signalBd: 31, lon: 104.1, lat: 31.2 })
    expect(f.statuses[0]?.sensorState).toEqual({ L3_YL_1: -3, L1_GP_1: 0 })
  })

  test.each([
    ['a bare number (crack meter)', '{"L1_LF_1":10.86}', 'crack', { openingMm: 10.86 }],
    ['an object of leaves (rain gauge)', '{"L3_YL_1":{"value":2.5,"totalValue":88.5}}', 'rain', { intervalMm: 2.5, totalMm: 88.5 }],
    [
      'an object of leaves (tilt, vendor `trend` for AZI)',
      '{"L1_QJ_1":{"X":0.12,"Y":-0.3,"Z":89.9,"angle":0.32,"trend":271.5}}',
      'tilt',
      { xDeg: 0.12, yDeg: -0.3, zDeg: 89.9, angleDeg: 0.32, azimuthDeg: 271.5 }
    ],
    ['a comma-separated string (GNSS)', '{"L1_GP_1":"12345.6,3.2,-4.1,0.8"}', 'gnss', { dxMm: 3.2, dyMm: -4.1, dzMm: 0.8 }],
    ['a number on groundwater', '{"L3_DX_1":{"value":12.4,"temp":"15.2"}}', 'groundwater', { levelM: 12.4, tempC: 15.2 }],
    ['mud level', '{"L4_NW_1":1.75}', 'mud_level', { levelM: 1.75 }]
  ])('type 1 with %s', (_name, points, type, fields) => {
    const f = decoded(rawFrame(1, `{"SK00EA0D1307986":${points}}`))
    expect(f.points).toEqual([{ pointCode: Object.keys(JSON.parse(points))[0], type, ts: undefined, fields }])
  })

  test('type 2 values keyed by timestamp become one point each, in any encoding', () => {
    const f = decoded(
      rawFrame(2, '{"D1":{"L3_YL_1":{"2026-07-27T10:00:00.000Z":{"value":1.5},"2026-07-27T10:05:00.000Z":2},"L1_GP_1":{"2026-07-27T10:00:00.000Z":"0,1,2,3"}}}')
    )
    expect(f.points.map((p) => [p.pointCode, p.ts, p.fields])).toEqual([
      ['L3_YL_1', Date.parse('2026-07-27T10:00:00Z'), { intervalMm: 1.5 }],
      ['L3_YL_1', Date.parse('2026-07-27T10:05:00Z'), { intervalMm: 2 }],
      ['L1_GP_1', Date.parse('2026-07-27T10:00:00Z'), { dxMm: 1, dyMm: 2, dzMm: 3 }]
    ])
  })

  test('unknown points and unusable values are skipped with a reason, the rest decodes', () => {
    const f = decoded(rawFrame(1, '{"D1":{"L9_XX_1":1,"L1_GP_1":5,"L3_YL_1":"abc","L1_LF_1":3}}'))
    expect(f.points).toHaveLength(1)
    expect(f.skipped).toEqual([
      { pointCode: 'L9_XX_1', reason: 'unknown point code' },
      { pointCode: 'L1_GP_1', reason: 'a bare number is ambiguous for gnss' },
      { pointCode: 'L3_YL_1', reason: 'value "abc" is not a number' }
    ])
  })

  test.each([
    ['too short', Buffer.from([1, 0]), /shorter than the 3-byte header/],
    ['length field lies', Buffer.concat([Buffer.from([1, 0, 50]), Buffer.from('{"D1":{"L1_LF_1":1}}')]), /length field says 50/],
    ['not JSON', rawFrame(1, '{"D1":'), /not JSON/],
    ['file frame', rawFrame(3, '{"D1":{}}'), /frame type 3 is not a data frame/],
    ['two device keys', rawFrame(1, '{"D1":{"L1_LF_1":1},"D2":{"L1_LF_1":1}}'), /exactly one device key, has 2/],
    ['encrypted wrapper', rawFrame(1, '{"header":{"appId":"x"},"bodies":{"body":"AbCd=="}}'), /encrypted frame/],
    ['nothing usable', rawFrame(1, '{"D1":{"L9_XX_1":1}}'), /no usable point; first: L9_XX_1: unknown point code/],
    ['bad timestamp', rawFrame(2, '{"D1":{"L1_LF_1":{"yesterday":1}}}'), /no usable point.*not ISO-8601/]
  ])('rejects %s', (_name, buf, reason) => {
    const r = decodeDpFrame(buf)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(reason)
  })

  test('encodeDpFrame writes the header the decoder reads', () => {
    const buf = encodeDpFrame(2, { D1: { L1_LF_1: { '2026-07-27T10:00:00.000Z': 4 } } })
    expect(buf[0]).toBe(2)
    expect(buf.readUInt16BE(1)).toBe(buf.length - 3)
    expect(readDpEnvelope(buf)).toEqual({ ok: true, value: { frameType: 2, body: { D1: { L1_LF_1: { '2026-07-27T10:00:00.000Z': 4 } } } } })
  })

  test('dpDeviceKey reads only the identity', () => {
    expect(dpDeviceKey(rawFrame(2, REAL_STATUS_JSON))).toEqual({ ok: true, value: 'SK00EA0D1307986' })
  })

  test('a type-1 frame stamped with the receipt time decodes to the same values at that time', () => {
    const at = Date.parse('2026-07-27T10:00:00.000Z')
    const stamped = stampPlainFrame(rawFrame(1, '{"D1":{"L1_LF_1":10.86,"L1_GP_1":"0,1,2,3"}}'), at)
    expect(stamped.ok).toBe(true)
    if (!stamped.ok) return
    const f = decoded(stamped.value)
    expect(f.frameType).toBe(2)
    expect(f.points.map((p) => [p.pointCode, p.ts, p.fields])).toEqual([
      ['L1_LF_1', at, { openingMm: 10.86 }],
      ['L1_GP_1', at, { dxMm: 1, dyMm: 2, dzMm: 3 }]
    ])
  })

  test('a type-2 frame passes the stamp unchanged', () => {
    const buf = rawFrame(2, REAL_STATUS_JSON)
    const r = stampPlainFrame(buf, 0)
    expect(r.ok && r.value.equals(buf)).toBe(true)
  })
})
