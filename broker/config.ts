import { z } from 'zod'
import { SERVICE_ROLES } from './acl.js'

const portSchema = z.coerce.number().int().min(0, 'a port is 0–65535 (0 = pick a free one)').max(65535, 'a port is 0–65535')
/** Same floor as device secrets (domain/registry.ts deviceImportSchema); our choice, not a standard. */
const secretSchema = z.string().min(8, 'a service secret needs at least 8 characters')

export const brokerConfigSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    mqttPort: portSchema.default(1883),
    /** MQTT over WebSocket on path `/mqtt`; null disables the listener. */
    wsPort: portSchema.nullable().default(8083),
    dataDir: z.string().min(1).default('./data'),
    /** Shared secret of the `svc:<name>` MQTT users (ingest, rules, dashboard). */
    serviceSecret: secretSchema,
    /** Per-service secrets; a service not listed uses `serviceSecret`. */
    services: z.partialRecord(z.enum(SERVICE_ROLES), secretSchema).default({})
  })
  .readonly()
export type BrokerConfig = z.infer<typeof brokerConfigSchema>
export type BrokerConfigInput = z.input<typeof brokerConfigSchema>

export const WS_PATH = '/mqtt'

export class ConfigError extends Error {
  readonly code = 'GH_ERR_CONFIG'
  constructor(readonly problems: string[]) {
    super(`invalid broker configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

const ENV_NAMES: Readonly<Record<string, string>> = Object.freeze({
  host: 'GEOWARN_MQTT_HOST',
  mqttPort: 'GEOWARN_MQTT_PORT',
  wsPort: 'GEOWARN_MQTT_WS_PORT',
  dataDir: 'GEOWARN_DATA_DIR',
  serviceSecret: 'GEOWARN_SERVICE_SECRET',
  'services.ingest': 'GEOWARN_SERVICE_SECRET_INGEST',
  'services.rules': 'GEOWARN_SERVICE_SECRET_RULES',
  'services.dashboard': 'GEOWARN_SERVICE_SECRET_DASHBOARD'
})

/** Values of GEOWARN_MQTT_WS_PORT that turn the WebSocket listener off. */
const DISABLED = new Set(['off', 'disabled', 'none', 'false', 'null'])

/** Read the broker's settings from the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): BrokerConfig {
  const services: Record<string, string> = {}
  for (const role of SERVICE_ROLES) {
    const v = env[`GEOWARN_SERVICE_SECRET_${role.toUpperCase()}`]
    if (v !== undefined && v !== '') services[role] = v
  }
  const wsRaw = env.GEOWARN_MQTT_WS_PORT?.trim()
  const raw = {
    host: blankToUndefined(env.GEOWARN_MQTT_HOST),
    mqttPort: blankToUndefined(env.GEOWARN_MQTT_PORT),
    wsPort: wsRaw !== undefined && DISABLED.has(wsRaw.toLowerCase()) ? null : blankToUndefined(wsRaw),
    dataDir: blankToUndefined(env.GEOWARN_DATA_DIR),
    serviceSecret: blankToUndefined(env.GEOWARN_SERVICE_SECRET),
    services
  }
  const parsed = brokerConfigSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = issue.path.join('.')
      const given = issue.path.reduce<unknown>((o, k) => (isRecord(o) ? o[String(k)] : undefined), raw)
      const name = ENV_NAMES[key] ?? key
      if (given === undefined) return `${name}: is required`
      // Never echo a secret, even a wrong one.
      if (key.startsWith('service')) return `${name}: ${issue.message}`
      return `${name}: ${issue.message} (got ${JSON.stringify(String(given).slice(0, 40))})`
    })
  )
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}
