import { expect, test } from 'vitest'
import { parseDeviceTopic, parseSiteTopic, parseUplinkTopic, topics } from '../../domain/topics.js'
import { regionChain, regionContains, regionLevel } from '../../domain/regions.js'

test('uplink topics round-trip', () => {
  const t = { prov: '51', county: '513223', siteId: 'S-xinmo', deviceId: 'SK00EA0D1307986', kind: 'dp' as const }
  expect(topics.uplink(t)).toBe('gh/up/51/513223/S-xinmo/SK00EA0D1307986/dp')
  expect(parseUplinkTopic(topics.uplink(t))).toEqual({ ok: true, value: t })
})

test.each([
  ['gh/up/51/513223/S1/D1', /not an uplink topic/],
  ['gh/up/5/513223/S1/D1/data', /bad region/],
  ['gh/up/62/513223/S1/D1/data', /bad region/],
  ['gh/up/51/513223/S1/D1/cmd', /unknown uplink kind/],
  ['gh/up/51/513223//D1/data', /empty site or device id/]
])('rejects uplink topic %s', (topic, reason) => {
  const r = parseUplinkTopic(topic)
  expect(r.ok).toBe(false)
  if (!r.ok) expect(r.reason).toMatch(reason)
})

test.each([
  ['$dp', { kind: 'dp' }],
  ['gh/dev/D1/data', { kind: 'native-data', deviceId: 'D1' }],
  ['gh/dev/D1/status', { kind: 'native-status', deviceId: 'D1' }],
  ['gh/dev/D1/cmd', undefined],
  ['gh/dev//data', undefined],
  ['gh/dev/D1/data/x', undefined]
])('device topic %s', (topic, parsed) => expect(parseDeviceTopic(topic)).toEqual(parsed))

test('site topics parse back', () => {
  const site = { prov: '62', county: '622923', siteId: 'HFT-1' }
  expect(parseSiteTopic(topics.alert(site), 'alert')).toEqual({ ok: true, value: site })
  expect(parseSiteTopic(topics.alertState(site), 'alert-state')).toEqual({ ok: true, value: site })
  expect(parseSiteTopic(topics.alert(site), 'alert-state').ok).toBe(false)
})

test.each([
  ['000000', 'nation', ['000000']],
  ['510000', 'province', ['510000', '000000']],
  ['513200', 'city', ['513200', '510000', '000000']],
  ['513223', 'county', ['513223', '513200', '510000', '000000']]
])('region %s is a %s with chain %j', (code, level, chain) => {
  expect(regionLevel(code)).toBe(level)
  expect(regionChain(code)).toEqual(chain)
})

test.each([
  ['000000', '622923', true],
  ['620000', '622923', true],
  ['510000', '622923', false],
  ['622900', '622923', true],
  ['622900', '623023', false],
  ['622923', '622923', true],
  ['622923', '622900', false]
])('scope %s contains %s: %s', (scope, code, inside) => expect(regionContains(scope, code)).toBe(inside))
