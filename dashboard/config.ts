import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

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
  loginWindowMs: 5 * 60_000
})

export const dashboardConfigSchema = z.object({
  httpHost: z.string().min(1).default(DASHBOARD_DEFAULTS.httpHost),
  httpPort: z.number().int().min(0).max(65_535).default(DASHBOARD_DEFAULTS.httpPort),
  mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp|tls):\/\//, 'an mqtt://, mqtts://, ws:// or wss:// URL').default(DASHBOARD_DEFAULTS.mqttUrl),
  mqttUsername: z.string().min(1).default(DASHBOARD_DEFAULTS.mqttUsername),
  /** The service secret; the broker checks it for `svc:*` usernames. */
  mqttPassword: z.string().optional(),
  /** The built web app (Vite output). Default: `dist/web` under the repository root. */
  webRoot: z.string().min(1).optional(),
  sessionTtlMs: z.number().int().positive().default(DASHBOARD_DEFAULTS.sessionTtlMs),
  cookieSecure: z.boolean().default(DASHBOARD_DEFAULTS.cookieSecure),
  loginMaxFailures: z.number().int().positive().default(DASHBOARD_DEFAULTS.loginMaxFailures),
  loginWindowMs: z.number().int().positive().default(DASHBOARD_DEFAULTS.loginWindowMs)
})
export type DashboardConfigInput = z.input<typeof dashboardConfigSchema>
export type DashboardConfig = Readonly<z.output<typeof dashboardConfigSchema> & { webRoot: string }>

/** Validate once, fill the defaults, freeze. Throws on a bad config: the process must not start. */
export function parseConfig(input: DashboardConfigInput): DashboardConfig {
  const parsed = dashboardConfigSchema.parse(input)
  return Object.freeze({ ...parsed, webRoot: parsed.webRoot ?? defaultWebRoot() })
}

type Env = Readonly<Record<string, string | undefined>>

/** The environment variables of design.md "Running and the HTTP surface" plus the dashboard's own. */
export function loadConfig(env: Env): DashboardConfig {
  const input: Record<string, unknown> = {}
  setIf(input, 'httpHost', env.GEOWARN_HTTP_HOST)
  setIf(input, 'httpPort', intOf(env.GEOWARN_HTTP_PORT, 'GEOWARN_HTTP_PORT'))
  const mqttPort = env.GEOWARN_MQTT_PORT
  setIf(input, 'mqttUrl', env.GEOWARN_MQTT_URL ?? (mqttPort === undefined ? undefined : `mqtt://127.0.0.1:${mqttPort}`))
  setIf(input, 'mqttPassword', env.GEOWARN_SERVICE_SECRET)
  setIf(input, 'webRoot', env.GEOWARN_WEB_ROOT)
  setIf(input, 'sessionTtlMs', intOf(env.GEOWARN_SESSION_TTL_MS, 'GEOWARN_SESSION_TTL_MS'))
  if (env.GEOWARN_COOKIE_SECURE !== undefined) input.cookieSecure = ['1', 'true', 'yes'].includes(env.GEOWARN_COOKIE_SECURE)
  return parseConfig(input as DashboardConfigInput)
}

function setIf(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined && value !== '') target[key] = value
}

function intOf(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`)
  return Number(value)
}

/** `dist/web` under the nearest folder holding package.json: works from the sources and from dist/. */
export function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'web')
    const up = dirname(dir)
    if (up === dir) return resolve('dist', 'web')
    dir = up
  }
}
