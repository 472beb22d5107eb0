import path from 'node:path'
import type pino from 'pino'
import { ConfigError } from '../domain/config.js'
import type { ReadingsStore } from './readings-store.js'
import { openSqliteReadingsStore } from './sqlite-readings-store.js'

/**
 * The readings store the settings ask for: SQLite under the data folder (the embedded default), or
 * InfluxDB when GEOWARN_INFLUX_URL is set. The one place every process chooses, so they agree.
 */
export function openReadingsStore(env: Readonly<Record<string, string | undefined>>, dataDir: string, log?: pino.Logger): ReadingsStore {
  if (env.GEOWARN_INFLUX_URL !== undefined && env.GEOWARN_INFLUX_URL.trim() !== '') {
    // Refused rather than ignored: readings an operator sent to InfluxDB must not land in SQLite.
    throw new ConfigError(['GEOWARN_INFLUX_URL: the InfluxDB readings store is not in this version yet; unset it to use the embedded SQLite store'])
  }
  return openSqliteReadingsStore(path.join(dataDir, 'readings.db'), log === undefined ? {} : { log })
}
