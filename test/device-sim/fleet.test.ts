import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { expect, test } from 'vitest'
import { registryFileSchema } from '../../domain/index.js'
import { buildSim } from '../../device-sim/app.js'
import { parseSimConfig } from '../../device-sim/config.js'
import { parseScenario } from '../../device-sim/scenario.js'
import { startBareBroker } from '../support/bare-broker.js'

test('the whole demo fleet connects and replays 6 h of history, every message acknowledged', async () => {
  const registry = registryFileSchema.parse(JSON.parse(readFileSync('config/demo-registry.json', 'utf8')))
  // The storm scenario, ending when the replay reaches now.
  const sc = parseScenario({ ...JSON.parse(readFileSync('config/scenarios/storm.json', 'utf8')), endH: 6, faults: { noSampleRate: 0 } })
  if (!sc.ok) throw new Error(sc.reason)
  const broker = await startBareBroker()
  let fromDevices = 0
  broker.aedes.on('publish', (_packet, client) => {
    if (client) fromDevices++
  })
  const config = parseSimConfig({ mqttUrl: broker.url })
  if (!config.ok) throw new Error(config.reason)
  const sim = await buildSim(config.value, { log: pino({ level: 'silent' }), registry, scenario: sc.value })
  await sim.done
  const stats = sim.stats()
  expect(stats).toMatchObject({ devices: registry.devices.length, connected: registry.devices.length, failed: 0, errors: 0 })
  // 6 h at 5 min = 72 samples per device, in 6 batches of 12: 6 data and 6 status messages each.
  expect(stats.published).toBe(12 * registry.devices.length)
  expect(stats.acked).toBe(stats.published)
  expect(fromDevices).toBe(stats.published)
  await broker.close()
}, 60_000)
