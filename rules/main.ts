import { mkdirSync } from 'node:fs'
import path from 'node:path'
import pino from 'pino'
import { ConfigError } from '../domain/config.js'
import { openReadingsStore } from '../store/open-readings-store.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import type { ReadingsStore } from '../store/readings-store.js'
import { buildRules, type RulesHandle } from './app.js'
import { loadConfig } from './config.js'

/** The rules engine as its own process (docker-compose); `geowarn start` composes buildRules instead. */
const log = pino({ name: 'geowarn-rules', level: process.env.GEOWARN_LOG_LEVEL ?? 'info', redact: ['password', '*.password', 'mqttPassword', '*.mqttPassword', 'dztApiKey', '*.dztApiKey'] })

let config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (err instanceof ConfigError) log.fatal({ problems: err.problems }, err.message)
  else log.fatal({ err }, 'cannot start the rules engine')
  process.exit(1)
}

mkdirSync(config.dataDir, { recursive: true })
const db = openPlatformDb(path.join(config.dataDir, 'platform.db'), { log })
let readings: ReadingsStore
let rules: RulesHandle
try {
  // The warm start rebuilds the windows from the same readings store ingest writes.
  readings = openReadingsStore(process.env, config.dataDir, log)
  rules = await buildRules(config, { db, readings, log })
} catch (err) {
  // A bad rules file is a ConfigError too (rules/app.ts).
  if (err instanceof ConfigError) log.fatal({ problems: err.problems }, err.message)
  else log.fatal({ err }, 'cannot start the rules engine')
  db.close()
  process.exit(1)
}

let stopping = false
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return
  stopping = true
  log.info({ signal, stats: rules.stats() }, 'stopping')
  try {
    await rules.close()
    await readings.close()
    db.close()
    process.exit(0)
  } catch (err) {
    log.error({ err }, 'unclean shutdown')
    process.exit(1)
  }
}
// SIGHUP: re-read the rule files (the handle logs what changed or every problem of a refused file).
process.on('SIGHUP', () => {
  rules.reloadRules().catch((err: unknown) => log.error({ err }, 'rule reload failed'))
})
process.on('SIGINT', (s) => void stop(s))
process.on('SIGTERM', (s) => void stop(s))
