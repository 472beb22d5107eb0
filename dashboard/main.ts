import { join } from 'node:path'
import pino from 'pino'
import { ConfigError } from '../domain/config.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { openReadingsStore } from '../store/open-readings-store.js'
import { buildDashboard } from './app.js'
import { loadConfig } from './config.js'

/** The dashboard as its own process (docker-compose); `geowarn start` composes app.ts instead. */
async function main(): Promise<void> {
  const log = pino({ name: 'geowarn-dashboard', level: process.env.GEOWARN_LOG_LEVEL ?? 'info', redact: ['req.headers.authorization', 'req.headers.cookie'] })
  const config = loadConfig(process.env)
  const dataDir = process.env.GEOWARN_DATA_DIR ?? './data'
  const db = openPlatformDb(join(dataDir, 'platform.db'), { log })
  const readings = openReadingsStore(process.env, dataDir, log)
  const dashboard = await buildDashboard(config, { db, readings, log })

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    dashboard
      .close()
      .then(() => readings.close())
      .then(() => {
        db.close()
        process.exit(0)
      })
      .catch((err: unknown) => {
        log.error({ err }, 'unclean stop')
        process.exit(1)
      })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  const log = pino({ name: 'geowarn-dashboard' })
  if (err instanceof ConfigError) log.fatal({ problems: err.problems }, err.message)
  else log.fatal({ err }, 'dashboard failed to start')
  process.exit(1)
})
