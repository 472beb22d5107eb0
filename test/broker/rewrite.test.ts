import { describe, expect, test } from 'vitest'
import type { Principal } from '../../broker/acl.js'
import { rewritePublish } from '../../broker/rewrite.js'
import { decodeDpFrame, encodeDpFrame, readDpEnvelope, type DevicePlacement } from '../../domain/index.js'

const DZT_ID = 'SK00EA0D1307986'
const dztPlacement: DevicePlacement = { deviceId: DZT_ID, siteId: 'JH-001', county: '431129', province: '43', dialect: 'dzt0450' }
const nativePlacement: DevicePlacement = { deviceId: 'N-01', siteId: 'JH-002', county: '431129', province: '43', dialect: 'native' }
const dzt: Principal = { kind: 'device', placement: dztPlacement }
const native: Principal = { kind: 'device', placement: nativePlacement }
const rules: Principal = { kind: 'service', role: 'rules' }
const RECEIVED_AT_MS = Date.parse('2026-07-27T10:00:05.123Z')

/** The real status frame of domain.md §2 (type 2). */
const realStatus = encodeDpFrame(2, {
  [DZT_ID]: {
    S1_ZT_1: {
      '2026-04-13T17:34:04.000Z': {
        ext_power_volt: 12.12, solar_volt: 0, battery_dump_energy: 0, temp: 20.44, humidity: 89.04, lon: '0.000000', lat: '0.000000',
        signal_4g: 22, sw_version: '1.09.250808.RK00PX.BETA', sensor_state: { L1_LF_1: 0 }
      }
    }
  }
})
const plainRain = encodeDpFrame(1, { [DZT_ID]: { L3_YL_1: { value: 2.5, totalValue: 120.5 }, L1_LF_1: 10.86 } })
const json = Buffer.from('{"v":1,"readings":[]}')

describe('forwarded', () => {
  test.each<[string, Principal, string, Buffer, string]>([
    ['native data', native, 'gh/dev/N-01/data', json, 'gh/up/43/431129/JH-002/N-01/data'],
    ['native status', native, 'gh/dev/N-01/status', json, 'gh/up/43/431129/JH-002/N-01/status'],
    ['a type-2 DZ/T frame', dzt, '$dp', realStatus, 'gh/up/43/431129/JH-001/SK00EA0D1307986/dp'],
    // Content is checked downstream: the broker forwards garbage on the device's own topic.
    ['garbage on its own data topic', native, 'gh/dev/N-01/data', Buffer.from('not json'), 'gh/up/43/431129/JH-002/N-01/data'],
    ['a rules alert as is', rules, 'gh/alert/43/431129/JH-001', json, 'gh/alert/43/431129/JH-001']
  ])('%s', (_name, principal, topic, payload, expected) => {
    expect(rewritePublish(principal, topic, payload, RECEIVED_AT_MS)).toEqual({ action: 'forward', topic: expected, payload })
  })

  test('a type-1 frame is stamped with the receipt time and re-encoded as type 2', () => {
    const out = rewritePublish(dzt, '$dp', plainRain, RECEIVED_AT_MS)
    expect(out.action).toBe('forward')
    if (out.action !== 'forward') return
    expect(out.topic).toBe('gh/up/43/431129/JH-001/SK00EA0D1307986/dp')
    expect(out.payload[0]).toBe(2)
    const frame = decodeDpFrame(out.payload)
    expect(frame.ok && frame.value.points.map((p) => [p.pointCode, p.ts])).toEqual([
      ['L3_YL_1', RECEIVED_AT_MS],
      ['L1_LF_1', RECEIVED_AT_MS]
    ])
  })
})

describe('dropped', () => {
  test.each<[string, Principal, string, Buffer, string]>([
    ['another device’s data topic', native, 'gh/dev/N-02/data', json, 'topic-not-allowed'],
    ['a canonical topic', native, 'gh/up/43/431129/JH-002/N-01/data', json, 'topic-not-allowed'],
    ['a command topic', native, 'gh/dev/N-01/cmd', json, 'topic-not-allowed'],
    ['a presence topic from rules', rules, 'gh/presence/43/431129/JH-002/N-01', json, 'topic-not-allowed'],
    ['a frame keyed by another device', dzt, '$dp', encodeDpFrame(2, { OTHER: { L1_LF_1: { '2026-04-13T17:34:04.000Z': 1 } } }), 'forged-dp-key'],
    ['a frame with two device keys', dzt, '$dp', encodeDpFrame(1, { [DZT_ID]: { L1_LF_1: 1 }, OTHER: { L1_LF_1: 1 } }), 'unverifiable-dp-frame'],
    ['an encrypted wrapper', dzt, '$dp', encodeDpFrame(2, { header: { appId: 'x' }, bodies: { body: 'AAAA' } }), 'unverifiable-dp-frame'],
    ['a frame whose length field lies', dzt, '$dp', Buffer.concat([Buffer.from([2, 0, 99]), Buffer.from('{}')]), 'unverifiable-dp-frame'],
    ['a 2-byte frame', dzt, '$dp', Buffer.from([1, 0]), 'unverifiable-dp-frame'],
    ['a type-1 frame whose points are not an object', dzt, '$dp', encodeDpFrame(1, { [DZT_ID]: 5 }), 'unverifiable-dp-frame']
  ])('%s', (_name, principal, topic, payload, reason) => {
    const out = rewritePublish(principal, topic, payload, RECEIVED_AT_MS)
    expect(out).toMatchObject({ action: 'drop', reason })
  })

  test('a forged frame names the key it claims', () => {
    const out = rewritePublish(dzt, '$dp', encodeDpFrame(1, { SK00EVIL: { L1_LF_1: 1 } }), RECEIVED_AT_MS)
    expect(out).toMatchObject({ action: 'drop', reason: 'forged-dp-key', claimedKey: 'SK00EVIL' })
  })
})

test('the stamped frame keeps the original values untouched', () => {
  const out = rewritePublish(dzt, '$dp', plainRain, RECEIVED_AT_MS)
  if (out.action !== 'forward') throw new Error('expected forward')
  const env = readDpEnvelope(out.payload)
  expect(env.ok && env.value.body).toEqual({
    [DZT_ID]: { L3_YL_1: { '2026-07-27T10:00:05.123Z': { value: 2.5, totalValue: 120.5 } }, L1_LF_1: { '2026-07-27T10:00:05.123Z': 10.86 } }
  })
})
