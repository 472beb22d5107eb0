import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { Aedes } from 'aedes'
import { pino } from 'pino'
import { expect, test } from 'vitest'
import { registryFileSchema } from '../../domain/index.js'
import { buildSim } from '../../device-sim/app.js'
import { parseSimConfig } from '../../device-sim/config.js'
import { parseScenario } from '../../device-sim/scenario.js'

test('the whole demo fleet connects and replays 6 h of history, every message acknowledged', async () => {
  const registry = registryFileSchema.parse(JSON.parse(readFileSync('config/demo-registry.json', 'utf8')))
  // The storm scenario, ending when the replay reaches now.
  const sc = parseScenario({ ...JSON.parse(readFileSync('config/scenarios/storm.json', 'utf8')), endH: 6, faults: { noSampleRate: 0 } })
  if (!sc.ok) throw new Error(sc.reason)
  const broker = await Aedes.createBroker()
  let fromDevices = 0
  broker.on('publish', (_packet, client) => {
    if (client) fromDevices++
  })
  const server = createServer(broker.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const config = parseSimConfig({ mqttUrl: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}` })
  if (!config.ok) throw new Error(config.reason)
  const sim = await buildSim(config.value, { log: pino({ level: 'silent' }), registry, scenario: sc.value })
  await sim.done
  const stats = sim.stats()
  expect(stats).toMatchObject({ devices: registry.devices.length, connected: registry.devices.length, failed: 0, errors: 0 })
  // 6 h at 5 min = 72 samples per device, in 6 batches of 12: 6 data and 6 status messages each.
  expect(stats.published).toBe(12 * registry.devices.length)
  expect(stats.acked).toBe(stats.published)
  expect(fromDevices).toBe(stats.published)
  await new Promise<void>((r) => broker.close(() => r()))
  await new Promise<void>((r) => server.close(() => r()))
}, 60_000)
