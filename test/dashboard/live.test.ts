import mqtt, { type MqttClient } from 'mqtt'
import { io as connectSocket, type Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { topics, type AlertEvent, type ClientToServerEvents, type DevicePresence, type Reading, type ServerToClientEvents, type SiteAlertState } from '../../domain/index.js'
import { COUNTY_A, COUNTY_B, login, makeAlert, startHarness, T0, type Harness, type UserKey } from './fixture.js'

type Client = Socket<ServerToClientEvents, ClientToServerEvents>

let h: Harness
let rules: MqttClient
const opened: Client[] = []

beforeAll(async () => {
  h = await startHarness()
  // Plays the rules service and the broker's rewrite: publishes on the canonical topics.
  rules = await mqtt.connectAsync(h.mqttUrl, { clientId: 'test-rules', clean: true, reconnectPeriod: 0 })
})
afterEach(() => {
  for (const s of opened.splice(0)) s.disconnect()
})
afterAll(async () => {
  await rules.endAsync()
  await h.close()
})

function open(auth: { token?: string; cookie?: string }): Client {
  const s: Client = connectSocket(h.dashboard.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(auth.token === undefined ? {} : { auth: { token: auth.token } }),
    ...(auth.cookie === undefined ? {} : { extraHeaders: { cookie: auth.cookie } })
  })
  opened.push(s)
  return s
}

/** A socket of the user, resolved once the server has said who it is (rooms joined by then). */
async function connectAs(user: UserKey, via: 'token' | 'cookie' = 'token'): Promise<Client> {
  const creds = await login(h, user)
  const s = open(via === 'token' ? { token: creds.token } : { cookie: creds.cookie })
  await new Promise<void>((resolve, reject) => {
    s.once('session', () => resolve())
    s.once('connect_error', reject)
  })
  return s
}

/** Collects the alert events of a socket until one satisfies `until`. */
function alertsUntil(s: Client, until: (e: AlertEvent) => boolean): Promise<AlertEvent[]> {
  const seen: AlertEvent[] = []
  return new Promise((resolve) => {
    const on = (e: AlertEvent): void => {
      seen.push(e)
      if (until(e)) {
        s.off('alert', on)
        resolve(seen)
      }
    }
    s.on('alert', on)
  })
}

function publishAlert(event: AlertEvent): Promise<unknown> {
  const { county, siteId } = event.alert
  return rules.publishAsync(topics.alert({ prov: county.slice(0, 2), county, siteId }), JSON.stringify(event), { qos: 1 })
}

describe('live alerts over Socket.IO', () => {
  test('an alert in county A reaches A’s officer and the nation, not B’s officer', async () => {
    const [a, nation, b] = await Promise.all([connectAs('officerA'), connectAs('nation', 'cookie'), connectAs('officerB')])
    const eventA: AlertEvent = { kind: 'opened', at: T0, alert: makeAlert('live-a', 'site-a') }
    const eventB: AlertEvent = { kind: 'opened', at: T0, alert: makeAlert('live-b', 'site-b') }
    const gotA = alertsUntil(a, (e) => e.alert.id === 'live-a')
    const gotNation = alertsUntil(nation, (e) => e.alert.id === 'live-b')
    // MQTT keeps the order of one publisher's messages: had B's officer been sent A's alert, it
    // would arrive before B's own.
    const gotB = alertsUntil(b, (e) => e.alert.id === 'live-b')
    await publishAlert(eventA)
    await publishAlert(eventB)
    expect((await gotA).map((e) => e.alert.id)).toEqual(['live-a'])
    expect((await gotNation).map((e) => e.alert.id)).toEqual(['live-a', 'live-b'])
    expect((await gotB).map((e) => e.alert.id)).toEqual(['live-b'])
    expect((await gotA)[0]).toEqual(eventA)
  })

  test('garbage on gh/alert is counted and dropped; the good event after it arrives', async () => {
    const a = await connectAs('officerA')
    const got = alertsUntil(a, () => true)
    const topic = topics.alert({ prov: '43', county: COUNTY_A, siteId: 'site-a' })
    await rules.publishAsync(topic, 'not json at all', { qos: 1 })
    await rules.publishAsync(topic, JSON.stringify({ kind: 'opened', at: T0, alert: { id: 'half' } }), { qos: 1 })
    // An event whose alert is for another site than its topic says.
    await rules.publishAsync(topic, JSON.stringify({ kind: 'opened', at: T0, alert: makeAlert('misfiled', 'site-b') }), { qos: 1 })
    const good: AlertEvent = { kind: 'raised', at: T0, alert: makeAlert('after-garbage', 'site-a', { level: 'red', peakLevel: 'red' }) }
    await publishAlert(good)
    expect(await got).toEqual([good])
    const health = (await h.dashboard.fastify.inject({ method: 'GET', url: '/api/health' })).json() as { dashboard: { rejected: Record<string, number> } }
    expect(health.dashboard.rejected['mqtt:alert']).toBe(3)
  })

  test('acknowledging over REST publishes the event that reaches the sockets in scope', async () => {
    h.db.saveAlert(makeAlert('rest-ack', 'site-a'))
    const a = await connectAs('officerA')
    const got = alertsUntil(a, (e) => e.alert.id === 'rest-ack')
    const heardOnMqtt = new Promise<AlertEvent>((resolve) => {
      const listener = (topic: string, payload: Buffer): void => {
        const e = JSON.parse(payload.toString()) as AlertEvent
        if (e.alert.id === 'rest-ack') {
          rules.off('message', listener)
          resolve(e)
        }
      }
      rules.on('message', listener)
    })
    await rules.subscribeAsync(topics.alert({ prov: '43', county: COUNTY_A, siteId: 'site-a' }), { qos: 1 })
    const { token } = await login(h, 'officerA')
    const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/alerts/rest-ack/ack', headers: { authorization: `Bearer ${token}` }, payload: {} })
    expect(res.statusCode).toBe(200)
    expect(await heardOnMqtt).toMatchObject({ kind: 'acknowledged', alert: { id: 'rest-ack', state: 'acknowledged' } })
    expect((await got).at(-1)).toMatchObject({ kind: 'acknowledged', alert: { id: 'rest-ack', state: 'acknowledged', actions: [{ by: 'officer-a' }] } })
    await rules.unsubscribeAsync(topics.alert({ prov: '43', county: COUNTY_A, siteId: 'site-a' }))
  })

  test('resolving over REST clears the site level for every socket in scope', async () => {
    h.db.saveAlert(makeAlert('rest-resolve', 'site-b'))
    h.db.setSiteLevel({ siteId: 'site-b', county: COUNTY_B, level: 'orange', alertId: 'rest-resolve', since: T0 })
    const nation = await connectAs('nation')
    const level = new Promise<SiteAlertState>((resolve) => nation.once('site-level', resolve))
    const { token } = await login(h, 'officerB')
    const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/alerts/rest-resolve/resolve', headers: { authorization: `Bearer ${token}` }, payload: { disposition: 'hazard_ended' } })
    expect(res.statusCode).toBe(200)
    expect(await level).toMatchObject({ siteId: 'site-b', county: COUNTY_B, level: 'none', alertId: null })
  })

  test('presence is forwarded in scope and dates the device on the site page', async () => {
    const a = await connectAs('officerA')
    const got = new Promise<DevicePresence>((resolve) => a.once('presence', resolve))
    await rules.publishAsync(topics.presence({ prov: '43', county: COUNTY_A, siteId: 'site-a', deviceId: 'dev-a1' }), JSON.stringify({ online: true, since: T0 + 5000 }), { qos: 1, retain: true })
    expect(await got).toEqual({ deviceId: 'dev-a1', siteId: 'site-a', county: COUNTY_A, online: true, since: T0 + 5000 })
    const { token } = await login(h, 'officerA')
    const site = (await h.dashboard.fastify.inject({ method: 'GET', url: '/api/sites/site-a', headers: { authorization: `Bearer ${token}` } })).json() as { devices: Array<{ online: boolean | null; lastSeen: number | null }> }
    expect(site.devices[0]).toMatchObject({ online: true, lastSeen: T0 + 5000 })
    await rules.publishAsync(topics.presence({ prov: '43', county: COUNTY_A, siteId: 'site-a', deviceId: 'dev-a1' }), '', { qos: 1, retain: true })
  })
})

describe('watch-site and readings', () => {
  test('a watched site streams its readings; a site out of scope is refused like an unknown one', async () => {
    const a = await connectAs('officerA')
    expect(await a.emitWithAck('watch-site', 'site-b')).toEqual({ ok: false, reason: 'unknown site site-b' })
    expect(await a.emitWithAck('watch-site', 'no-such-site')).toEqual({ ok: false, reason: 'unknown site no-such-site' })
    expect(await a.emitWithAck('watch-site', { id: 'site-a' })).toMatchObject({ ok: false })
    expect(await a.emitWithAck('watch-site', 'site-a')).toEqual({ ok: true })

    const got = new Promise<Reading>((resolve) => a.once('reading', resolve))
    const uplink = topics.uplink({ prov: '43', county: COUNTY_A, siteId: 'site-a', deviceId: 'dev-a1', kind: 'data' })
    await rules.publishAsync(uplink, '{"v":1,"readings":[{"sensor":"YL1","type":"rain","ts":"nonsense"}]}', { qos: 1 })
    await rules.publishAsync(uplink, JSON.stringify({ v: 1, seq: 3, readings: [{ sensor: 'YL1', type: 'rain', ts: T0, fields: { intervalMm: 1.5 } }] }), { qos: 1 })
    expect(await got).toEqual({ deviceId: 'dev-a1', sensorId: 'YL1', type: 'rain', siteId: 'site-a', county: COUNTY_A, ts: T0, fields: { intervalMm: 1.5 }, seq: 3 })
  })

  test('a malformed event without an ack neither crashes the server nor stops the socket', async () => {
    const a = await connectAs('officerA')
    a.emit('watch-site', 42)
    a.emit('unwatch-site', null)
    expect(await a.emitWithAck('watch-site', 'site-a')).toEqual({ ok: true })
    expect(await a.emitWithAck('unwatch-site', 'site-a')).toEqual({ ok: true })
  })
})

describe('socket authentication', () => {
  test.each([
    ['no credentials', {}],
    ['a made-up token', { token: 'made-up' }],
    ['a made-up cookie', { cookie: 'gw_session=made-up' }]
  ])('%s is refused with GH_ERR_UNAUTHORIZED', async (_what, auth) => {
    const s = open(auth)
    const err = await new Promise<Error>((resolve) => s.once('connect_error', resolve))
    expect(err.message).toBe('GH_ERR_UNAUTHORIZED')
    expect(s.connected).toBe(false)
  })

  test('logging out disconnects the session’s sockets', async () => {
    const creds = await login(h, 'officerB')
    const s = open({ token: creds.token })
    await new Promise<void>((resolve) => s.once('session', () => resolve()))
    const gone = new Promise<string>((resolve) => s.once('disconnect', resolve))
    await h.dashboard.fastify.inject({ method: 'POST', url: '/api/logout', headers: { authorization: `Bearer ${creds.token}` } })
    expect(await gone).toBe('io server disconnect')
  })
})
