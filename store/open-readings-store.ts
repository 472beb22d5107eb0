import path from 'node:path'
import type pino from 'pino'
import { z } from 'zod'
import { envString, parseEnvConfig } from '../domain/config.js'
import { loadInfluxConfig } from './influx-config.js'
import { openInfluxReadingsStore } from './influx-readings-store.js'
import { DEFAULT_RETENTION, retentionSchema, type ReadingsStore } from './readings-store.js'
import { openSqliteReadingsStore } from './sqlite-readings-store.js'

const sqliteConfigSchema = z.object({ retentionMs: retentionSchema.prefault(DEFAULT_RETENTION) })

/**
 * The readings store the settings ask for: SQLite under the data folder (the embedded default), or
 * InfluxDB when GEOWARN_INFLUX_URL is set. The one place every process chooses, so they agree.
 * Throws a ConfigError listing every bad setting.
 */
export function openReadingsStore(env: Readonly<Record<string, string | undefined>>, dataDir: string, log?: pino.Logger): ReadingsStore {
  const logOpt = log === undefined ? {} : { log }
  if (envString(env.GEOWARN_INFLUX_URL) !== undefined) return openInfluxReadingsStore(loadInfluxConfig(env), logOpt)
  const { retentionMs } = parseEnvConfig(sqliteConfigSchema, { retentionMs: envString(env.GEOWARN_READINGS_RETENTION) }, { retentionMs: 'GEOWARN_READINGS_RETENTION' }, 'SQLite readings store')
  return openSqliteReadingsStore(path.join(dataDir, 'readings.db'), { ...logOpt, ...(retentionMs === undefined ? {} : { retentionMs }) })
}
