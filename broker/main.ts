import { mkdirSync } from 'node:fs'
import path from 'node:path'
import pino from 'pino'
import { ConfigError } from '../domain/config.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { buildBroker } from './app.js'
import { loadConfig } from './config.js'

/** The broker as its own process (docker-compose); `geowarn start` composes buildBroker instead. */
const log = pino({ name: 'geowarn-broker', level: process.env.GEOWARN_LOG_LEVEL ?? 'info', redact: ['password', '*.password', 'serviceSecret', '*.serviceSecret'] })

let config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (err instanceof ConfigError) log.fatal({ problems: err.problems }, err.message)
  else log.fatal({ err }, 'cannot start the broker')
  process.exit(1)
}

mkdirSync(config.dataDir, { recursive: true })
const db = openPlatformDb(path.join(config.dataDir, 'platform.db'), { log })
const broker = await buildBroker(config, { db, log })

let stopping = false
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return
  stopping = true
  log.info({ signal, stats: broker.stats() }, 'stopping')
  try {
    await broker.close()
    db.close()
    process.exit(0)
  } catch (err) {
    log.error({ err }, 'unclean shutdown')
    process.exit(1)
  }
}
process.on('SIGINT', (s) => void stop(s))
process.on('SIGTERM', (s) => void stop(s))
