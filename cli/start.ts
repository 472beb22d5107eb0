import { rm } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { buildSim, type SimHandle } from '../device-sim/app.js'
import { parseSimConfig } from '../device-sim/config.js'
import { loadRegistryFile } from '../device-sim/registry-file.js'
import { loadScenario } from '../device-sim/scenario.js'
import { SITE_LEVELS, type SiteLevel } from '../domain/index.js'
import { SERVICE_NAMES, startPlatform, type Platform, type ServiceName } from './launcher.js'
import type { Logger } from 'pino'
import { createLogger } from './logger.js'

export const DEMO_REGISTRY = 'config/demo-registry.json'
export const DEMO_SCENARIO = 'config/scenarios/storm.json'
/** design.md: the demo seeds one administrator account and says so on the console. */
export const DEMO_ADMIN = Object.freeze({ username: 'admin', password: 'geowarn-demo' })
/**
 * Duty officers of the storm's counties and the regions above them, so that call and response
 * (叫应) has somebody to call and each sees only their jurisdiction. Same password as the admin.
 */
export const DEMO_OFFICERS = Object.freeze([
  { username: 'wenchuan', region: '513221', displayName: '汶川县值班员' },
  { username: 'maoxian', region: '513223', displayName: '茂县值班员' },
  { username: 'zhouqu', region: '623023', displayName: '舟曲县值班员' },
  { username: 'aba', region: '513200', displayName: '阿坝州值班员' },
  { username: 'sichuan', region: '510000', displayName: '四川省值班员' },
  { username: 'gansu', region: '620000', displayName: '甘肃省值班员' }
])
/** Demo devices' DZ/T command key (`$cmd=…&apikey=`); a deployment sets its own. */
const DEMO_DZT_API_KEY = 'geowarn-demo-apikey'

export async function runStart(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { services: { type: 'string' }, registry: { type: 'string' } },
    strict: true
  })
  const services = parseServices(values.services)
  const log = createLogger('geowarn')
  const platform = await startPlatform({
    env: process.env,
    log,
    services,
    ...(values.registry === undefined ? {} : { registryFile: values.registry })
  })
  log.info({ services, mqtt: platform.mqttUrl, http: platform.httpUrl, dataDir: platform.dataDir }, 'GeoWarn started')
  if (platform.db.countUsers() === 0 && platform.dashboard !== undefined) {
    log.warn('no user account yet: create the first with `geowarn user add --role admin --region 000000 --username …`')
  }
  const stopReloads = reloadRulesOnHangup(platform, log)
  await untilSignal()
  stopReloads()
  await platform.close()
  return 0
}

/**
 * `npm run demo`: the platform on a fresh demo data folder, the demo registry, one admin account,
 * and the storm scenario over the simulated fleet.
 */
export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { scenario: { type: 'string' }, keep: { type: 'boolean' } }, strict: true })
  const dataDir = path.resolve(process.env.GEOWARN_DATA_DIR ?? './data/demo')
  // A demo starts from nothing so that what it shows is this run's storm.
  if (values.keep !== true) await rm(dataDir, { recursive: true, force: true })
  const log = createLogger('geowarn-demo', 'warn')
  const env = { GEOWARN_DZT_API_KEY: DEMO_DZT_API_KEY, ...process.env, GEOWARN_DATA_DIR: dataDir }
  const platform = await startPlatform({ env, log, registryFile: DEMO_REGISTRY })
  if (platform.db.countUsers() === 0) {
    platform.db.createUser({ ...DEMO_ADMIN, role: 'admin', region: '000000', displayName: '演示管理员' })
    for (const o of DEMO_OFFICERS) platform.db.createUser({ ...o, password: DEMO_ADMIN.password, role: 'duty_officer' })
  }
  const sim = await startSim(platform, values.scenario ?? DEMO_SCENARIO)
  const http = (platform.httpUrl ?? '').replace(/\/\/(0\.0\.0\.0|127\.0\.0\.1)\b/, '//localhost')
  console.log(
    [
      '',
      `GeoWarn demo: dashboard at ${http}`,
      `  log in as ${DEMO_ADMIN.username} / ${DEMO_ADMIN.password} (demo account), or as a duty officer with the same`,
      `  password to see one jurisdiction: ${DEMO_OFFICERS.map((o) => `${o.username} (${o.region})`).join(', ')}`,
      `  MQTT broker at ${platform.mqttUrl}; data in ${dataDir}`,
      `  ${sim.stats().devices} simulated stations are replaying the last hours of a storm; warnings rise within a minute.`,
      '  Ctrl-C stops.',
      ''
    ].join('\n')
  )
  const ticker = setInterval(() => console.log(demoStatus(platform, sim)), 15_000)
  const stopReloads = reloadRulesOnHangup(platform, log)
  await untilSignal()
  stopReloads()
  clearInterval(ticker)
  await sim.close()
  await platform.close()
  return 0
}

async function startSim(platform: Platform, scenarioPath: string): Promise<SimHandle> {
  const config = parseSimConfig({ mqttUrl: platform.mqttUrl, registryPath: DEMO_REGISTRY, scenarioPath })
  if (!config.ok) throw new Error(config.reason)
  const [registry, scenario] = await Promise.all([loadRegistryFile(config.value.registryPath), loadScenario(config.value.scenarioPath)])
  if (!registry.ok) throw new Error(registry.reason)
  if (!scenario.ok) throw new Error(scenario.reason)
  return buildSim(config.value, { log: createLogger('geowarn-sim', 'warn'), registry: registry.value, scenario: scenario.value })
}

function demoStatus(platform: Platform, sim: SimHandle): string {
  const s = sim.stats()
  const counts = new Map<SiteLevel, number>()
  for (const l of platform.db.listSiteLevels()) counts.set(l.level, (counts.get(l.level) ?? 0) + 1)
  const levels = SITE_LEVELS.filter((l) => l !== 'none' && (counts.get(l) ?? 0) > 0)
    .map((l) => `${l} ${counts.get(l)}`)
    .join(', ')
  return `[${new Date().toISOString().slice(11, 19)}] stations ${s.connected}/${s.devices} online, ${s.published} messages; sites at warning level: ${levels || 'none yet'}`
}

function parseServices(list: string | undefined): ServiceName[] {
  if (list === undefined) return [...SERVICE_NAMES]
  const names = list.split(',').map((s) => s.trim())
  for (const n of names) {
    if (!(SERVICE_NAMES as readonly string[]).includes(n)) throw new Error(`unknown service ${JSON.stringify(n)}; choose from ${SERVICE_NAMES.join(', ')}`)
  }
  return names as ServiceName[]
}

/** SIGHUP re-reads the rule files while the platform runs (the rules service logs the outcome); returns the remover. */
function reloadRulesOnHangup(platform: Platform, log: Logger): () => void {
  const onHangup = (): void => {
    platform.rules?.reloadRules().catch((err: unknown) => log.error({ err }, 'rule reload failed'))
  }
  process.on('SIGHUP', onHangup)
  return () => process.off('SIGHUP', onHangup)
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}
