import pino from 'pino'
import { ConfigError } from '../domain/config.js'
import { openReadingsStore } from '../store/open-readings-store.js'
import { buildIngest } from './app.js'
import { loadConfig } from './config.js'

/**
 * Standalone ingest process; the readings store follows the settings (store/open-readings-store.ts).
 */
const log = pino({ name: 'geowarn-ingest', level: process.env.GEOWARN_LOG_LEVEL ?? 'info', redact: ['mqttPassword'] })

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const store = openReadingsStore(process.env, process.env.GEOWARN_DATA_DIR ?? './data', log)
  const ingest = await buildIngest(config, { store, log })

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal, stats: ingest.stats() }, 'stopping')
    ingest
      .close()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'unclean shutdown')
          process.exit(1)
        }
      )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) log.fatal({ problems: err.problems }, err.message)
  else log.fatal({ err }, 'ingest failed to start')
  process.exit(1)
})
