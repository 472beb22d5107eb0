import { connect } from 'node:net'
import type { ErrorWithReasonCode, MqttClient } from 'mqtt'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { SINK_TOPIC } from '../../broker/aedes-hooks.js'
import { decodeDpFrame, encodeDpFrame, presenceSchema, topics } from '../../domain/index.js'
import { DEVICES, DZT_ID, NOW_MS, SERVICE_SECRET, nextMessage, startTestBroker, type TestBroker } from './harness.js'

const UP_N01 = 'gh/up/43/431129/JH-002/N-01'
const UP_DZT = `gh/up/43/431129/JH-001/${DZT_ID}`
const reading = (seq: number): string =>
  JSON.stringify({ v: 1, seq, readings: [{ sensor: 'YL1', type: 'rain', ts: '2026-07-27T10:00:00Z', fields: { intervalMm: 2.4 } }] })

let t: TestBroker
beforeEach(async () => {
  t = await startTestBroker()
})
afterEach(async () => {
  await t.close()
})

/** Every message a client receives, in order. */
function collect(client: MqttClient): Array<{ topic: string; payload: Buffer }> {
  const seen: Array<{ topic: string; payload: Buffer }> = []
  client.on('message', (topic, payload) => seen.push({ topic, payload }))
  return seen
}

describe('uplink', () => {
  test('a device’s data reaches svc:ingest on the canonical topic', async () => {
    const ingest = await t.service('ingest')
    await ingest.subscribeAsync('gh/up/#', { qos: 1 })
    const device = await t.device('native')
    const arrived = nextMessage(ingest, `${UP_N01}/data`)
    await device.publishAsync(topics.nativeData('N-01'), reading(1), { qos: 1 })
    expect((await arrived).payload.toString()).toBe(reading(1))
    expect(t.broker.stats()).toMatchObject({ rewritten: 1, deniedPublishes: 0 })
  })

  test('a device cannot publish as another: acknowledged, not forwarded, still connected', async () => {
    const ingest = await t.service('ingest')
    await ingest.subscribeAsync('gh/up/#', { qos: 1 })
    const seen = collect(ingest)
    const device = await t.device('native')

    // publishAsync resolving means the broker sent PUBACK: the device will not resend forever.
    await device.publishAsync(topics.nativeData('N-02'), reading(1), { qos: 1 })
    await device.publishAsync(topics.nativeStatus('N-02'), '{}', { qos: 0 })
    const good = nextMessage(ingest, `${UP_N01}/data`)
    await device.publishAsync(topics.nativeData('N-01'), reading(2), { qos: 1 })
    await good

    expect(seen.map((m) => m.topic)).toEqual([`${UP_N01}/data`])
    expect(device.connected).toBe(true)
    expect(t.broker.stats()).toMatchObject({ deniedPublishes: 2, rewritten: 1 })
    expect(t.logs.filter((l) => l.msg === 'publish dropped')).toHaveLength(2)
  })

  test('a forged $dp key is dropped and counted; a correct frame right after goes through', async () => {
    const ingest = await t.service('ingest')
    await ingest.subscribeAsync('gh/up/#', { qos: 1 })
    const seen = collect(ingest)
    const device = await t.device('dzt')

    const forged = encodeDpFrame(2, { SK00EVIL: { L1_LF_1: { '2026-07-27T10:00:00.000Z': 10.86 } } })
    await device.publishAsync('$dp', forged, { qos: 1 })
    const good = encodeDpFrame(2, { [DZT_ID]: { L1_LF_1: { '2026-07-27T10:00:00.000Z': 10.86 } } })
    const arrived = nextMessage(ingest, `${UP_DZT}/dp`)
    await device.publishAsync('$dp', good, { qos: 1 })

    expect((await arrived).payload.equals(good)).toBe(true)
    expect(seen).toHaveLength(1)
    expect(device.connected).toBe(true)
    expect(t.broker.stats()).toMatchObject({ forgedDpFrames: 1, rewritten: 1 })
    const warns = t.logs.filter((l) => l.level === 40 && l.reason === 'forged-dp-key')
    expect(warns).toHaveLength(1)
    expect(warns[0]).toMatchObject({ clientId: DZT_ID, claimedKey: 'SK00EVIL' })
  })

  test('a type-1 frame arrives stamped with the broker’s receipt time as type 2', async () => {
    const ingest = await t.service('ingest')
    await ingest.subscribeAsync('gh/up/#', { qos: 1 })
    const device = await t.device('dzt')
    const arrived = nextMessage(ingest, `${UP_DZT}/dp`)
    await device.publishAsync('$dp', encodeDpFrame(1, { [DZT_ID]: { L3_YL_1: { value: 2.5, totalValue: 120.5 } } }), { qos: 1 })

    const { payload } = await arrived
    expect(payload[0]).toBe(2)
    const frame = decodeDpFrame(payload)
    expect(frame.ok && frame.value.points).toEqual([{ pointCode: 'L3_YL_1', type: 'rain', ts: NOW_MS, fields: expect.any(Object) }])
  })

  // MQTT 3.1.1 needs a user name to carry a password [MQTT-3.1.2-22]: such devices send an empty one.
  test('a DZ/T device with an empty user name is accepted on its client id', async () => {
    const device = await t.connect({ clientId: DZT_ID, username: '', password: DEVICES.dzt.secret })
    expect(device.connected).toBe(true)
  })

  test('over WebSocket too', async () => {
    const ingest = await t.service('ingest')
    await ingest.subscribeAsync('gh/up/#', { qos: 1 })
    const device = await t.device('native', t.wsUrl)
    const arrived = nextMessage(ingest, `${UP_N01}/status`)
    await device.publishAsync(topics.nativeStatus('N-01'), '{"v":1}', { qos: 1 })
    expect((await arrived).payload.toString()).toBe('{"v":1}')
  })
})

describe('subscriptions', () => {
  test.each(['gh/dev/N-02/cmd', 'gh/dev/+/cmd', '$creq/+/cmd', '#', 'gh/up/#', SINK_TOPIC])(
    'a device subscribing %s gets a SUBACK failure and stays connected',
    async (filter) => {
      const device = await t.device('native')
      await expect(device.subscribeAsync(filter, { qos: 1 })).rejects.toMatchObject({ packet: { granted: [0x80] } })
      expect(device.connected).toBe(true)
      expect(t.broker.stats().deniedSubscribes).toBe(1)
    }
  )

  test('a device receives its own commands from rules', async () => {
    const device = await t.device('native')
    await device.subscribeAsync(topics.nativeCommand('N-01'), { qos: 1 })
    const rules = await t.service('rules')
    const arrived = nextMessage(device, topics.nativeCommand('N-01'))
    await rules.publishAsync(topics.nativeCommand('N-01'), '{"v":1}', { qos: 1 })
    expect((await arrived).payload.toString()).toBe('{"v":1}')
  })

  test('services are held to their rows: dashboard cannot read commands, rules cannot forge uplinks', async () => {
    const dashboard = await t.service('dashboard')
    await expect(dashboard.subscribeAsync('gh/dev/+/cmd')).rejects.toMatchObject({ packet: { granted: [0x80] } })
    await dashboard.subscribeAsync('gh/up/#', { qos: 1 })
    const seen = collect(dashboard)
    const rules = await t.service('rules')
    await rules.publishAsync(`${UP_N01}/data`, reading(1), { qos: 1 })
    const device = await t.device('native')
    const good = nextMessage(dashboard, `${UP_N01}/data`)
    await device.publishAsync(topics.nativeData('N-01'), reading(2), { qos: 1 })
    expect((await good).payload.toString()).toBe(reading(2))
    expect(seen).toHaveLength(1)
    expect(rules.connected).toBe(true)
  })
})

describe('authentication', () => {
  test.each<[string, { clientId: string; username?: string; password: string }]>([
    ['wrong secret', { clientId: 'N-01', username: 'N-01', password: 'wrong-secret' }],
    ['unknown device', { clientId: 'N-99', username: 'N-99', password: DEVICES.native.secret }],
    ['another device’s secret', { clientId: 'N-01', username: 'N-01', password: DEVICES.other.secret }],
    ['username not the client id', { clientId: 'N-01', username: 'N-02', password: DEVICES.native.secret }],
    ['wrong service secret', { clientId: 'x-ingest', username: 'svc:ingest', password: 'not-the-secret' }],
    ['unknown service', { clientId: 'x-admin', username: 'svc:admin', password: SERVICE_SECRET }],
    ['a service taking a device’s client id', { clientId: 'N-01', username: 'svc:rules', password: SERVICE_SECRET }]
  ])('%s → CONNACK bad user name or password', async (_name, opts) => {
    await expect(t.connect(opts)).rejects.toMatchObject({ code: 4 } satisfies Partial<ErrorWithReasonCode>)
    expect(t.broker.stats().authFailures).toBe(1)
  })
})

describe('presence', () => {
  test('online when the device connects, offline when its socket dies, both retained', async () => {
    const device = await t.device('native')
    const presenceTopic = topics.presence({ prov: '43', county: '431129', siteId: 'JH-002', deviceId: 'N-01' })

    const rules = await t.service('rules')
    const online = nextMessage(rules, presenceTopic)
    await rules.subscribeAsync('gh/presence/#', { qos: 1 })
    const first = await online
    expect(first.retain).toBe(true)
    expect(presenceSchema.parse(JSON.parse(first.payload.toString()))).toEqual({ online: true, since: NOW_MS })

    const offline = nextMessage(rules, presenceTopic)
    device.stream.destroy()
    expect(JSON.parse((await offline).payload.toString())).toEqual({ online: false, since: NOW_MS })

    const dashboard = await t.service('dashboard')
    const retained = nextMessage(dashboard, presenceTopic)
    await dashboard.subscribeAsync('gh/presence/#', { qos: 1 })
    const last = await retained
    expect(last.retain).toBe(true)
    expect(JSON.parse(last.payload.toString())).toEqual({ online: false, since: NOW_MS })
  })

  test('a clean DISCONNECT marks the device offline too', async () => {
    const presenceTopic = topics.presence({ prov: '43', county: '431129', siteId: 'JH-001', deviceId: DZT_ID })
    const rules = await t.service('rules')
    await rules.subscribeAsync('gh/presence/#', { qos: 1 })
    const online = nextMessage(rules, presenceTopic)
    const device = await t.device('dzt')
    expect(JSON.parse((await online).payload.toString())).toEqual({ online: true, since: NOW_MS })
    const offline = nextMessage(rules, presenceTopic)
    await device.endAsync()
    expect(JSON.parse((await offline).payload.toString())).toEqual({ online: false, since: NOW_MS })
  })

  test('a reconnect that takes over the session leaves the device online', async () => {
    const presenceTopic = topics.presence({ prov: '43', county: '431129', siteId: 'JH-002', deviceId: 'N-01' })
    const rules = await t.service('rules')
    await rules.subscribeAsync('gh/presence/#', { qos: 1 })
    const states: boolean[] = []
    let seen = 0
    const third = new Promise<void>((resolve) => {
      rules.on('message', (topic, payload) => {
        if (topic !== presenceTopic) return
        states.push(presenceSchema.parse(JSON.parse(payload.toString())).online)
        if (++seen === 3) resolve()
      })
    })
    const first = await t.device('native')
    const kicked = new Promise<void>((resolve) => first.once('close', () => resolve()))
    await t.device('native')
    await Promise.all([kicked, third])
    expect(states).toEqual([true, false, true])
  })
})

describe('close', () => {
  test('does not wait for a socket that never sent CONNECT', async () => {
    const socket = connect(t.broker.mqttPort, '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await t.broker.close()
    await closed
  })
})
