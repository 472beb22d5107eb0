import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { ConfigError } from '../domain/config.js'
import { buildSim } from './app.js'
import { loadConfig, parseSimConfig, type SimConfigInput } from './config.js'
import { loadRegistryFile } from './registry-file.js'
import { loadScenario } from './scenario.js'

/**
 * `node dist/device-sim/main.js [--url mqtt://…] [--registry file] [--scenario file] [--duration s]
 * [--speed n] [--sites a,b] [--dialect native|dzt0450]`; flags override GEOWARN_SIM_* variables.
 */
const log = pino({ name: 'geowarn-sim' })

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      registry: { type: 'string' },
      scenario: { type: 'string' },
      duration: { type: 'string' },
      speed: { type: 'string' },
      sites: { type: 'string' },
      dialect: { type: 'string' }
    }
  })
  const input: Record<string, unknown> = { ...loadConfig(process.env) }
  if (values.url !== undefined) input.mqttUrl = values.url
  if (values.registry !== undefined) input.registryPath = values.registry
  if (values.scenario !== undefined) input.scenarioPath = values.scenario
  if (values.duration !== undefined) input.durationS = Number(values.duration)
  if (values.speed !== undefined) input.speed = Number(values.speed)
  if (values.sites !== undefined) input.sites = values.sites.split(',').filter((s) => s !== '')
  if (values.dialect !== undefined) input.dialect = values.dialect
  const config = parseSimConfig(input as SimConfigInput)
  if (!config.ok) {
    log.error({ reason: config.reason }, 'bad configuration')
    return 2
  }
  const registry = await loadRegistryFile(config.value.registryPath)
  const scenario = await loadScenario(config.value.scenarioPath)
  if (!registry.ok || !scenario.ok) {
    log.error({ reason: registry.ok ? undefined : registry.reason, scenarioReason: scenario.ok ? undefined : scenario.reason }, 'cannot start')
    return 2
  }
  const sim = await buildSim(config.value, { log, registry: registry.value, scenario: scenario.value })
  const shutdown = (signal: string) => {
    log.info({ signal }, 'stopping')
    void sim.close()
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  await sim.done
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) log.fatal({ problems: err.problems }, err.message)
    else log.fatal({ err }, 'simulator crashed')
    process.exit(1)
  }
)
