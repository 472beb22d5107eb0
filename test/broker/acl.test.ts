import { describe, expect, test } from 'vitest'
import { filters } from '../../domain/topics.js'
import { canPublish, canSubscribe, filterCovers, type Principal } from '../../broker/acl.js'

const device: Principal = {
  kind: 'device',
  placement: { deviceId: 'SK00EA0D1307986', siteId: 'JH-001', county: '431129', province: '43', dialect: 'dzt0450' }
}
const ingest: Principal = { kind: 'service', role: 'ingest' }
const rules: Principal = { kind: 'service', role: 'rules' }
const dashboard: Principal = { kind: 'service', role: 'dashboard' }

describe('device', () => {
  test.each([
    ['gh/dev/SK00EA0D1307986/data', true],
    ['gh/dev/SK00EA0D1307986/status', true],
    ['$dp', true],
    ['gh/dev/OTHER/data', false],
    ['gh/dev/SK00EA0D1307986/cmd', false],
    ['gh/dev/SK00EA0D1307986/data/extra', false],
    ['gh/up/43/431129/JH-001/SK00EA0D1307986/data', false],
    ['gh/presence/43/431129/JH-001/SK00EA0D1307986', false],
    ['gh/alert/43/431129/JH-001', false],
    ['$creq/SK00EA0D1307986/cmd', false],
    ['$SYS/broker/heartbeat', false]
  ])('publish %s → %s', (topic, allowed) => {
    expect(canPublish(device, topic)).toBe(allowed)
  })

  test.each([
    ['gh/dev/SK00EA0D1307986/cmd', true],
    ['$creq/SK00EA0D1307986/cmd', true],
    ['$creq/SK00EA0D1307986/firmware', true],
    ['gh/dev/OTHER/cmd', false],
    ['gh/dev/+/cmd', false],
    ['$creq/+/cmd', false],
    ['gh/dev/SK00EA0D1307986/#', false],
    ['#', false],
    ['+/+/+/+', false],
    ['gh/up/#', false],
    ['gh/public/431129/G1', false],
    ['$SYS/#', false]
  ])('subscribe %s → %s', (filter, allowed) => {
    expect(canSubscribe(device, filter)).toBe(allowed)
  })
})

describe('services subscribe', () => {
  test.each<[Principal, string, boolean]>([
    [ingest, 'gh/up/#', true],
    [ingest, 'gh/up/+/#', true],
    [ingest, 'gh/up/43/#', true],
    [ingest, 'gh/up/43/431129/#', true],
    [ingest, 'gh/up/+/+/+/+/dp', true],
    [ingest, 'gh/up/43/431129/JH-001/SK00EA0D1307986/data', true],
    [ingest, 'gh/presence/#', false],
    [ingest, 'gh/alert/#', false],
    [ingest, 'gh/#', false],
    [ingest, '#', false],
    [ingest, 'gh/+/#', false],
    [ingest, '+/up/#', false],
    [ingest, 'gh/dev/+/data', false],
    [ingest, '$dp', false],
    [ingest, '$SYS/#', false],
    [rules, 'gh/up/#', true],
    [rules, 'gh/presence/#', true],
    [rules, 'gh/presence/43/#', true],
    [rules, 'gh/alert-state/#', true],
    [rules, 'gh/alert/#', true],
    [rules, 'gh/alert/43/#', true],
    [rules, 'gh/dev/+/data', false],
    [rules, '$creq/+/cmd', false],
    [dashboard, 'gh/alert/#', true],
    [dashboard, 'gh/alert-state/43/#', true],
    [dashboard, 'gh/up/#', true],
    [dashboard, 'gh/presence/#', true],
    [dashboard, 'gh/sys/+/+', true],
    [dashboard, 'gh/sys/ingest/+', true],
    [ingest, 'gh/sys/+/+', false],
    [rules, 'gh/sys/#', false],
    [dashboard, 'gh/public/#', false],
    [dashboard, 'gh/dev/+/cmd', false],
    [dashboard, '#', false]
  ])('%o subscribes %s → %s', (principal, filter, allowed) => {
    expect(canSubscribe(principal, filter)).toBe(allowed)
  })
})

describe('services publish', () => {
  test.each<[Principal, string, boolean]>([
    [rules, 'gh/alert/43/431129/JH-001', true],
    [rules, 'gh/alert-state/43/431129/JH-001', true],
    [rules, 'gh/public/431129/G1', true],
    [rules, 'gh/dev/N-01/cmd', true],
    [rules, '$creq/SK00EA0D1307986/cmd', true],
    [rules, 'gh/alert/43/511702/JH-001', false],
    [rules, 'gh/alert/4/431129/JH-001', false],
    [rules, 'gh/alert/43/431129', false],
    [rules, 'gh/public/4311/G1', false],
    [rules, 'gh/dev//cmd', false],
    [rules, 'gh/dev/N-01/data', false],
    [rules, '$creq/SK00EA0D1307986/firmware', false],
    [rules, 'gh/up/43/431129/JH-001/N-01/data', false],
    [rules, 'gh/presence/43/431129/JH-001/N-01', false],
    [rules, '$dp', false],
    [rules, '$SYS/x/heartbeat', false],
    [ingest, 'gh/up/43/431129/JH-001/N-01/data', false],
    [ingest, 'gh/alert/43/431129/JH-001', false],
    [ingest, 'gh/sys/ingest/geowarn-ingest', true],
    [ingest, 'gh/sys/rules/geowarn-rules', false],
    [ingest, 'gh/sys/ingest/+', false],
    [ingest, 'gh/sys/ingest/a/b', false],
    [ingest, 'gh/sys/ingest', false],
    [rules, 'gh/sys/rules/geowarn-rules', true],
    [rules, 'gh/sys/ingest/geowarn-ingest', false],
    [dashboard, 'gh/sys/dashboard/d1', false],
    [dashboard, 'gh/alert/43/431129/JH-001', true],
    [dashboard, 'gh/alert/43/431129/+', false],
    [dashboard, 'gh/alert-state/43/431129/JH-001', true],
    [dashboard, 'gh/public/431129/G1', false],
    [dashboard, 'gh/dev/N-01/cmd', false],
    [dashboard, 'gh/presence/43/431129/JH-001/N-01', false]
  ])('%o publishes %s → %s', (principal, topic, allowed) => {
    expect(canPublish(principal, topic)).toBe(allowed)
  })
})

test.each([
  ['gh/up/#', 'gh/up', true],
  ['gh/up/#', 'gh/up/#', true],
  ['gh/up/#', 'gh/#', false],
  ['gh/up/+/x', 'gh/up/a/x', true],
  ['gh/up/+/x', 'gh/up/+/x', true],
  ['gh/up/+/x', 'gh/up/#', false],
  ['gh/up/+/x', 'gh/up/a/x/y', false],
  ['gh/up/+/x', 'gh/up/a', false],
  ['gh/up', 'gh/up', true],
  ['gh/up', 'gh/+', false]
])('%s covers %s → %s', (allowed, requested, covers) => {
  expect(filterCovers(allowed, requested)).toBe(covers)
})

test('the partition filters of domain/topics.ts are allowed to the services that need them', () => {
  expect(canSubscribe(ingest, filters.uplinks())).toBe(true)
  expect(canSubscribe(ingest, filters.uplinks('43', '431129'))).toBe(true)
  expect(canSubscribe(rules, filters.presence('43'))).toBe(true)
  expect(canSubscribe(rules, filters.alertStates())).toBe(true)
  expect(canSubscribe(dashboard, filters.alerts())).toBe(true)
  expect(canSubscribe(dashboard, filters.serviceHealth())).toBe(true)
})
