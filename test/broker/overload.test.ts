import { MqttClient } from 'mqtt'
import { afterEach, expect, test } from 'vitest'
import { topics } from '../../domain/index.js'
import { SERVICE_SECRET, nextMessage, startTestBroker, type TestBroker } from './harness.js'
import { valve, type Valve } from './valve.js'

/**
 * The admission gate (broker/publish-gate.ts) with a subscriber that stops reading: the broker
 * stops acknowledging device uplinks past its window instead of queueing them, says so, lets
 * service traffic through, and delivers everything in order once the subscriber reads again.
 */
const WINDOW = 2
// Bigger than the valve's high-water mark: every delivery to the stalled subscriber waits for 'drain'.
const reading = (seq: number): string =>
  JSON.stringify({ v: 1, seq, readings: [{ sensor: 'YL1', type: 'rain', ts: '2026-07-27T10:00:00Z', fields: { intervalMm: 2.4 } }], pad: 'x'.repeat(2048) })

let t: TestBroker
let ingest: MqttClient | undefined
afterEach(async () => {
  await ingest?.endAsync(true)
  ingest = undefined
  await t.close()
})

/** svc:ingest over an in-memory valve, subscribed to every uplink; its messages in `seen`. */
async function stalledIngest(): Promise<{ v: Valve; seen: number[] }> {
  const v = valve()
  t.broker.aedes.handle(v.brokerSide)
  const client = new MqttClient(() => v.clientSide, { clientId: 'test-ingest', username: 'svc:ingest', password: SERVICE_SECRET, reconnectPeriod: 0 })
  ingest = client
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  await client.subscribeAsync('gh/up/#', { qos: 1 })
  const seen: number[] = []
  client.on('message', (_topic, payload) => seen.push((JSON.parse(payload.toString()) as { seq: number }).seq))
  return { v, seen }
}

/** Resolves once `done(seen)` holds, checked on each message svc:ingest receives. */
function until(seen: number[], done: (seen: number[]) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!done(seen)) return
      ingest?.off('message', check)
      resolve()
    }
    ingest?.on('message', check)
    check()
  })
}

test('past the window uplinks wait unacknowledged, service traffic does not, and all arrive in order', async () => {
  t = await startTestBroker({ uplinkWindow: WINDOW, overloadQuietMs: 20 })
  const { v, seen } = await stalledIngest()
  const dashboard = await t.service('dashboard')
  await dashboard.subscribeAsync('gh/alert/#', { qos: 1 })
  const rules = await t.service('rules')
  const device = await t.device('native')
  v.close()

  const n = 20
  let acked = 0
  const published = Array.from({ length: n }, (_, i) => device.publishAsync(topics.nativeData('N-01'), reading(i), { qos: 1 }).then(() => acked++))
  const overload = await t.logLine('overload: device uplinks wait for room; their sockets are not read meanwhile')
  expect(overload).toMatchObject({ level: 40, uplinkWindow: WINDOW })
  expect(t.broker.stats().uplinks).toMatchObject({ inBroker: WINDOW, overloaded: true, overloads: 1 })
  expect(t.broker.stats().uplinks.waiting).toBeGreaterThan(0)

  // The warning path: an alert goes through while the uplinks wait.
  const alertTopic = topics.alert({ prov: '43', county: '431129', siteId: 'JH-002' })
  const alert = nextMessage(dashboard, alertTopic)
  await rules.publishAsync(alertTopic, '{"level":"red"}', { qos: 1 })
  await alert
  // Only what the gate let in was acknowledged: the rest is the device's to keep.
  expect(acked).toBeLessThanOrEqual(WINDOW)

  v.open()
  await Promise.all(published)
  await until(seen, (s) => s.length === n)
  expect(seen).toEqual(Array.from({ length: n }, (_, i) => i))
  const over = await t.logLine('overload over')
  expect(over).toMatchObject({ level: 30 })
  expect(over.delayed).toBeGreaterThan(0)
  expect(t.broker.stats().uplinks).toMatchObject({ inBroker: 0, waiting: 0, overloaded: false, overloads: 1 })
  expect(t.broker.stats().uplinks.delayed).toBeGreaterThan(0)
})

test('a device that disconnects while its uplinks wait leaves no room taken behind', async () => {
  t = await startTestBroker({ uplinkWindow: WINDOW, overloadQuietMs: 20 })
  const { v, seen } = await stalledIngest()
  const first = await t.device('native')
  v.close()
  for (let i = 0; i < 10; i++) first.publish(topics.nativeData('N-01'), reading(i), { qos: 1 })
  await t.logLine('overload: device uplinks wait for room; their sockets are not read meanwhile')
  const gone = new Promise<void>((resolve) => t.broker.aedes.once('clientDisconnect', () => resolve()))
  await first.endAsync(true)
  await gone
  expect(t.broker.stats().uplinks).toMatchObject({ waiting: 0 })

  v.open()
  // The same device, back: its new uplinks find the whole window free.
  const again = await t.device('native')
  const arrived = until(seen, (s) => s.includes(100))
  await again.publishAsync(topics.nativeData('N-01'), reading(100), { qos: 1 })
  await arrived
  expect(seen.at(-1)).toBe(100)
  // Only uplinks that were let in before the disconnect were delivered; none of the waiting ones.
  expect(seen.length - 1).toBeLessThanOrEqual(WINDOW)
})
