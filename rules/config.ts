import { z } from 'zod'

/** Service secrets: 16 characters is our floor, as in broker/config.ts. */
const secretSchema = z.string().min(16, 'a service secret needs at least 16 characters')

export const rulesConfigSchema = z
  .object({
    mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp):\/\/./, 'an MQTT URL looks like mqtt://host:1883').default('mqtt://127.0.0.1:1883'),
    mqttUsername: z.string().min(1).default('svc:rules'),
    /** GEOWARN_SERVICE_SECRET_RULES, else GEOWARN_SERVICE_SECRET. */
    mqttPassword: secretSchema,
    mqttClientId: z.string().min(1).max(64).default('geowarn-rules'),
    /** Where `platform.db` lives (embedded SQLite default). */
    dataDir: z.string().min(1).default('./data'),
    /** Rule tables (JSON, rules/tables.ts). */
    rulesFile: z.string().min(1).default('config/rules-default.json'),
    /** Partition: the 2-digit province this instance consumes, `+` for all (design.md "scaled-out"). */
    province: z.string().regex(/^(\d{2}|\+)$/, 'a province is 2 digits or +').default('+')
  })
  .readonly()
export type RulesConfig = z.infer<typeof rulesConfigSchema>
export type RulesConfigInput = z.input<typeof rulesConfigSchema>

export class ConfigError extends Error {
  readonly code = 'GH_ERR_CONFIG'
  constructor(readonly problems: string[]) {
    super(`invalid rules configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

const ENV_NAMES: Readonly<Record<keyof RulesConfig, string>> = Object.freeze({
  mqttUrl: 'GEOWARN_MQTT_URL',
  mqttUsername: 'GEOWARN_RULES_MQTT_USERNAME',
  mqttPassword: 'GEOWARN_SERVICE_SECRET',
  mqttClientId: 'GEOWARN_RULES_CLIENT_ID',
  dataDir: 'GEOWARN_DATA_DIR',
  rulesFile: 'GEOWARN_RULES_FILE',
  province: 'GEOWARN_RULES_PROVINCE'
})

/** Read the settings from the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): RulesConfig {
  const port = blank(env.GEOWARN_MQTT_PORT)
  const raw: Record<keyof RulesConfig, string | undefined> = {
    mqttUrl: blank(env.GEOWARN_MQTT_URL) ?? (port === undefined ? undefined : `mqtt://127.0.0.1:${port}`),
    mqttUsername: blank(env.GEOWARN_RULES_MQTT_USERNAME),
    mqttPassword: blank(env.GEOWARN_SERVICE_SECRET_RULES) ?? blank(env.GEOWARN_SERVICE_SECRET),
    mqttClientId: blank(env.GEOWARN_RULES_CLIENT_ID),
    dataDir: blank(env.GEOWARN_DATA_DIR),
    rulesFile: blank(env.GEOWARN_RULES_FILE),
    province: blank(env.GEOWARN_RULES_PROVINCE)
  }
  const parsed = rulesConfigSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof RulesConfig
      const name = ENV_NAMES[key] ?? key
      const given = raw[key]
      if (given === undefined) return `${name}: is required`
      // Never echo a secret, even a wrong one.
      if (key === 'mqttPassword') return `${name}: ${issue.message}`
      return `${name}: ${issue.message} (got ${JSON.stringify(given.slice(0, 40))})`
    })
  )
}

function blank(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}
