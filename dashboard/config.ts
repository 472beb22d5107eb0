import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { envBoolean, envMqttUrl, envNumber, envString, parseEnvConfig, secretVar, serviceSecretSchema, type EnvVars } from '../domain/config.js'

const HOUR_MS = 3_600_000

/** Defaults in one visible object (style.md "What the models have in common", 3). */
export const DASHBOARD_DEFAULTS = Object.freeze({
  httpHost: '0.0.0.0',
  // design.md "Running and the HTTP surface": GEOWARN_HTTP_PORT, 0 = pick a free port.
  httpPort: 3000,
  mqttUrl: 'mqtt://127.0.0.1:1883',
  mqttUsername: 'svc:dashboard',
  // A duty shift is 12 h; a session outlives one shift, not two (our choice).
  sessionTtlMs: 12 * HOUR_MS,
  cookieSecure: false,
  // Login failure limiter per IP + username: 10 failures in 5 min (our choice).
  loginMaxFailures: 10,
  loginWindowMs: 5 * 60_000,
  // How often a live socket's session and account are checked again: the longest a socket of a
  // session ended, or an account disabled or re-scoped, on another instance keeps receiving (our choice).
  socketRecheckMs: 30_000
})

export const dashboardConfigSchema = z.object({
  httpHost: z.string().min(1).default(DASHBOARD_DEFAULTS.httpHost),
  httpPort: z.number().int().min(0).max(65_535).default(DASHBOARD_DEFAULTS.httpPort),
  mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp|tls):\/\//, 'an mqtt://, mqtts://, ws:// or wss:// URL').default(DASHBOARD_DEFAULTS.mqttUrl),
  mqttUsername: z.string().min(1).default(DASHBOARD_DEFAULTS.mqttUsername),
  /** The service secret; the broker checks it for `svc:*` usernames. */
  mqttPassword: serviceSecretSchema.optional(),
  /** The built web app (Vite output). Default: `dist/web` under the repository root. */
  webRoot: z.string().min(1).optional(),
  sessionTtlMs: z.number().int().positive().default(DASHBOARD_DEFAULTS.sessionTtlMs),
  cookieSecure: z.boolean().default(DASHBOARD_DEFAULTS.cookieSecure),
  loginMaxFailures: z.number().int().positive().default(DASHBOARD_DEFAULTS.loginMaxFailures),
  loginWindowMs: z.number().int().positive().default(DASHBOARD_DEFAULTS.loginWindowMs),
  socketRecheckMs: z.number().int().positive().default(DASHBOARD_DEFAULTS.socketRecheckMs),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: z.string().min(16, 'at least 16 characters').optional(),
  /** The rule tables the rules service reads (GET /api/sites/:id/rules). Default: `config/rules-default.json` under the repository root. */
  rulesFile: z.string().min(1).optional(),
  /** Its override file; default `config/rules-overrides.json` under the repository root if it exists, else none. */
  rulesOverridesFile: z.string().min(1).optional(),
  /**
   * A GeoJSON FeatureCollection of region boundaries (the deployment's approved map; none is
   * bundled), each feature with its GB/T 2260 code in `properties.adcode` or `properties.code`.
   * Unset: the overview plots sites on plain lon/lat axes.
   */
  mapGeoJsonFile: z
    .string()
    .min(1)
    .refine(isReadableFile, { error: (issue) => `no readable file at ${String(issue.input)}` })
    .optional()
})
export type DashboardConfigInput = z.input<typeof dashboardConfigSchema>
export type DashboardConfig = Readonly<z.output<typeof dashboardConfigSchema> & { webRoot: string; rulesFile: string }>

/** Validate once, fill the defaults, freeze. Throws on a bad config: the process must not start. */
export function parseConfig(input: DashboardConfigInput): DashboardConfig {
  return withDefaultPaths(dashboardConfigSchema.parse(input))
}

type Env = Readonly<Record<string, string | undefined>>

/** The environment variables of design.md "Running and the HTTP surface" plus the dashboard's own. */
export function loadConfig(env: Env): DashboardConfig {
  const mqtt = envMqttUrl(env, 'GEOWARN_MQTT_URL')
  // The broker gives svc:dashboard GEOWARN_SERVICE_SECRET_DASHBOARD when set (broker/config.ts), so do we.
  const ownSecret = envString(env.GEOWARN_SERVICE_SECRET_DASHBOARD)
  const raw = {
    httpHost: envString(env.GEOWARN_HTTP_HOST),
    httpPort: envNumber(env.GEOWARN_HTTP_PORT),
    mqttUrl: mqtt.url,
    mqttPassword: ownSecret ?? envString(env.GEOWARN_SERVICE_SECRET),
    webRoot: envString(env.GEOWARN_WEB_ROOT),
    sessionTtlMs: envNumber(env.GEOWARN_SESSION_TTL_MS),
    metricsToken: envString(env.GEOWARN_METRICS_TOKEN),
    cookieSecure: envBoolean(env.GEOWARN_COOKIE_SECURE),
    rulesFile: envString(env.GEOWARN_RULES_FILE),
    rulesOverridesFile: envString(env.GEOWARN_RULES_OVERRIDES_FILE),
    mapGeoJsonFile: envString(env.GEOWARN_MAP_GEOJSON)
  }
  const vars: EnvVars = {
    httpHost: 'GEOWARN_HTTP_HOST',
    httpPort: 'GEOWARN_HTTP_PORT',
    mqttUrl: mqtt.name,
    mqttPassword: secretVar(ownSecret === undefined ? 'GEOWARN_SERVICE_SECRET' : 'GEOWARN_SERVICE_SECRET_DASHBOARD'),
    webRoot: 'GEOWARN_WEB_ROOT',
    sessionTtlMs: 'GEOWARN_SESSION_TTL_MS',
    metricsToken: secretVar('GEOWARN_METRICS_TOKEN'),
    cookieSecure: 'GEOWARN_COOKIE_SECURE',
    rulesFile: 'GEOWARN_RULES_FILE',
    rulesOverridesFile: 'GEOWARN_RULES_OVERRIDES_FILE',
    mapGeoJsonFile: 'GEOWARN_MAP_GEOJSON'
  }
  return withDefaultPaths(parseEnvConfig(dashboardConfigSchema, raw, vars, 'dashboard', mqtt.problems))
}

/** GEOWARN_RULES_OVERRIDES_FILE=none turns the default override file off (as in rules/config.ts). */
const NO_FILE = 'none'

function withDefaultPaths(parsed: z.output<typeof dashboardConfigSchema>): DashboardConfig {
  const { rulesOverridesFile, ...rest } = parsed
  const overrides = rulesOverridesFile ?? (existsSync(inRepository('config', 'rules-overrides.json')) ? inRepository('config', 'rules-overrides.json') : undefined)
  return Object.freeze({
    ...rest,
    webRoot: parsed.webRoot ?? defaultWebRoot(),
    rulesFile: parsed.rulesFile ?? inRepository('config', 'rules-default.json'),
    ...(overrides === undefined || overrides === NO_FILE ? {} : { rulesOverridesFile: overrides })
  })
}


function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    // ENOENT, EACCES on a parent folder…: all mean the same to the operator, reported by the schema.
    return false
  }
}

/** `dist/web` under the repository root. */
export function defaultWebRoot(): string {
  return inRepository('dist', 'web')
}

/** A path under the nearest folder holding package.json: works from the sources and from dist/. */
export function inRepository(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, ...parts)
    const up = dirname(dir)
    if (up === dir) return resolve(...parts)
    dir = up
  }
}
