import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { buildSim } from '../device-sim/app.js'
import { loadConfig as loadSimEnv, parseSimConfig, type SimConfigInput } from '../device-sim/config.js'
import { loadRegistryFile } from '../device-sim/registry-file.js'
import { loadScenario } from '../device-sim/scenario.js'
import { regionCodeSchema, registryFileSchema } from '../domain/index.js'
import { USER_ROLES, type UserRole } from '../store/platform-db.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { readJsonFile } from './files.js'
import { createLogger } from './logger.js'

/** `geowarn sim`: the simulated fleet against any broker; stops at --duration or Ctrl-C. */
export async function runSim(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      registry: { type: 'string' },
      scenario: { type: 'string' },
      duration: { type: 'string' },
      sites: { type: 'string' },
      speed: { type: 'string' }
    },
    strict: true
  })
  // A bad GEOWARN_SIM_* throws a ConfigError listing every problem; cli/main.ts prints it, exit 1.
  const input: SimConfigInput = { ...loadSimEnv(process.env) }
  if (values.url !== undefined) input.mqttUrl = values.url
  if (values.registry !== undefined) input.registryPath = values.registry
  if (values.scenario !== undefined) input.scenarioPath = values.scenario
  if (values.duration !== undefined) input.durationS = Number(values.duration)
  if (values.speed !== undefined) input.speed = Number(values.speed)
  if (values.sites !== undefined) input.sites = values.sites.split(',').map((s) => s.trim())
  const config = parseSimConfig(input)
  if (!config.ok) throw new Error(config.reason)
  const [registry, scenario] = await Promise.all([loadRegistryFile(config.value.registryPath), loadScenario(config.value.scenarioPath)])
  if (!registry.ok) throw new Error(registry.reason)
  if (!scenario.ok) throw new Error(scenario.reason)
  const log = createLogger('geowarn-sim')
  const sim = await buildSim(config.value, { log, registry: registry.value, scenario: scenario.value })
  const stop = (): void => void sim.close()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  await sim.done
  process.off('SIGINT', stop)
  process.off('SIGTERM', stop)
  await sim.close()
  log.info({ stats: sim.stats() }, 'simulation finished')
  return 0
}

function platformDbPath(): string {
  const dataDir = path.resolve(process.env.GEOWARN_DATA_DIR ?? './data')
  mkdirSync(dataDir, { recursive: true })
  return path.join(dataDir, 'platform.db')
}

/** `geowarn import FILE`: sites and devices into the platform DB (device secrets stored hashed). */
export async function runImport(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true })
  const file = positionals[0]
  if (file === undefined) throw new Error('usage: geowarn import FILE')
  const parsed = registryFileSchema.safeParse(await readJsonFile(file))
  if (!parsed.success) {
    for (const i of parsed.error.issues) console.error(`${file}: ${i.path.map(String).join('.')}: ${i.message}`)
    return 1
  }
  const db = openPlatformDb(platformDbPath())
  try {
    const counts = db.importRegistry(parsed.data)
    console.log(`imported ${counts.sites} sites and ${counts.devices} devices into ${platformDbPath()}`)
  } finally {
    db.close()
  }
  return 0
}

/** `geowarn user add`: how a production install gets its first account (design.md). */
export async function runUserAdd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      region: { type: 'string' },
      name: { type: 'string' },
      // For a deployment's init step: create the first account, and only that (idempotent).
      'if-none': { type: 'boolean' }
    },
    strict: true
  })
  if (positionals[0] !== 'add' || values.username === undefined || values.role === undefined || values.region === undefined) {
    throw new Error(`usage: geowarn user add --username NAME --role ${USER_ROLES.join('|')} --region CODE [--name TEXT] [--if-none]`)
  }
  if (!(USER_ROLES as readonly string[]).includes(values.role)) throw new Error(`role must be one of ${USER_ROLES.join(', ')}`)
  const region = regionCodeSchema.safeParse(values.region)
  if (!region.success) throw new Error(`region: ${region.error.issues[0]?.message ?? 'invalid'}`)
  if (values['if-none'] === true) {
    const db = openPlatformDb(platformDbPath())
    const accounts = db.countUsers()
    db.close()
    if (accounts > 0) {
      console.log(`the platform DB has ${accounts} account(s): none created (--if-none)`)
      return 0
    }
  }
  const password = process.env.GEOWARN_NEW_PASSWORD ?? (await readPassword())
  if (password.length < 10) throw new Error('the password needs at least 10 characters')
  const db = openPlatformDb(platformDbPath())
  try {
    const user = db.createUser({
      username: values.username,
      password,
      role: values.role as UserRole,
      region: region.data,
      displayName: values.name ?? values.username
    })
    // Accounts made outside the dashboard belong on the audit record too (actor `cli`: whoever had shell access).
    db.audit({
      at: Date.now(),
      actor: 'cli',
      action: 'user.create',
      target: `user:${user.id}`,
      detail: { username: user.username, after: { role: user.role, region: user.region, displayName: user.displayName }, via: 'geowarn user add' },
      regions: [user.region]
    })
    console.log(`created ${user.role} ${user.username} for region ${user.region}`)
  } finally {
    db.close()
  }
  return 0
}

async function readPassword(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false })
  try {
    process.stderr.write('password: ')
    return (await rl.question('')).trim()
  } finally {
    rl.close()
  }
}
