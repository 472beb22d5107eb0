import { existsSync } from 'node:fs'
import { z } from 'zod'
import { ConfigError, envMqttUrl, envNumber, envString, parseEnvConfig, secretVar, serviceSecretSchema, type EnvVar } from '../domain/config.js'

/** Service secrets: 16 characters is our floor, as in broker/config.ts. */

export const rulesConfigSchema = z
  .object({
    mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp):\/\/./, 'an MQTT URL looks like mqtt://host:1883').default('mqtt://127.0.0.1:1883'),
    mqttUsername: z.string().min(1).default('svc:rules'),
    /** GEOWARN_SERVICE_SECRET_RULES, else GEOWARN_SERVICE_SECRET. */
    mqttPassword: serviceSecretSchema,
    mqttClientId: z.string().min(1).max(64).default('geowarn-rules'),
    /** Where `platform.db` lives (embedded SQLite default). */
    dataDir: z.string().min(1).default('./data'),
    /** Rule tables (JSON, rules/tables.ts). */
    rulesFile: z.string().min(1).default('config/rules-default.json'),
    /** Regional and site overrides (domain/rule-layers.ts); absent: none. loadConfig defaults it to DEFAULT_OVERRIDES_FILE when that exists. */
    overridesFile: z.string().min(1).optional(),
    /** Partition: the 2-digit province this instance consumes, `+` for all (design.md "scaled-out"). */
    province: z.string().regex(/^(\d{2}|\+)$/, 'a province is 2 digits or +').default('+'),
    /** The deployment's DZ/T 0450 command `apikey` (domain.md §2); unset: DZ/T devices get no commands. */
    dztApiKey: z.string().min(1).max(64).regex(/^[^&=\s]+$/, 'an API key has no &, = or spaces').optional(),
    /** No report for this long → offline (125 min: Guangdong draft standard, domain.md §3). */
    offlineAfterMin: z.number().int().positive().default(125),
    /** How often the offline sweep runs (our choice). */
    offlineSweepMin: z.number().int().positive().default(5),
    /** History replayed into the windows at start: the longest window, 72 h rain (domain.md §3). */
    warmStartH: z.number().int().min(0).max(24 * 30).default(72),
    /**
     * The warm start reads history aggregated by the store in steps of this many seconds (rain
     * summed, everything else the last value of the step). 60 s keeps every sample of a station
     * reporting each minute or slower (our choice); a larger step trades detail for start time.
     */
    warmStartStepS: z.number().int().min(1).max(3600).default(60)
  })
  .readonly()
export type RulesConfig = z.infer<typeof rulesConfigSchema>
export type RulesConfigInput = z.input<typeof rulesConfigSchema>

export const DEFAULT_OVERRIDES_FILE = 'config/rules-overrides.json'
/** GEOWARN_RULES_OVERRIDES_FILE=none turns the default override file off. */
const NO_FILE = 'none'

/** The override file: the variable's, else the default one if it exists (ours is optional), else none. */
function overridesFileOf(value: string | undefined): string | undefined {
  if (value === undefined) return existsSync(DEFAULT_OVERRIDES_FILE) ? DEFAULT_OVERRIDES_FILE : undefined
  return value === NO_FILE ? undefined : value
}

/** Re-exported for rules/app.ts and callers; the class lives in domain/config.ts. */
export { ConfigError }

/** Read the settings from the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): RulesConfig {
  const mqtt = envMqttUrl(env, 'GEOWARN_MQTT_URL')
  const ownSecret = envString(env.GEOWARN_SERVICE_SECRET_RULES)
  const raw: Record<keyof RulesConfig, string | number | undefined> = {
    mqttUrl: mqtt.url,
    mqttUsername: envString(env.GEOWARN_RULES_MQTT_USERNAME),
    mqttPassword: ownSecret ?? envString(env.GEOWARN_SERVICE_SECRET),
    mqttClientId: envString(env.GEOWARN_RULES_CLIENT_ID),
    dataDir: envString(env.GEOWARN_DATA_DIR),
    rulesFile: envString(env.GEOWARN_RULES_FILE),
    overridesFile: overridesFileOf(envString(env.GEOWARN_RULES_OVERRIDES_FILE)),
    province: envString(env.GEOWARN_RULES_PROVINCE),
    dztApiKey: envString(env.GEOWARN_DZT_API_KEY),
    offlineAfterMin: envNumber(env.GEOWARN_OFFLINE_AFTER_MIN),
    offlineSweepMin: envNumber(env.GEOWARN_OFFLINE_SWEEP_MIN),
    warmStartH: envNumber(env.GEOWARN_RULES_WARM_START_H),
    warmStartStepS: envNumber(env.GEOWARN_RULES_WARM_START_STEP_S)
  }
  // Name the variable the value actually came from.
  const vars: Record<keyof RulesConfig, EnvVar> = {
    mqttUrl: mqtt.name,
    mqttUsername: 'GEOWARN_RULES_MQTT_USERNAME',
    mqttPassword: secretVar(ownSecret === undefined ? 'GEOWARN_SERVICE_SECRET' : 'GEOWARN_SERVICE_SECRET_RULES'),
    mqttClientId: 'GEOWARN_RULES_CLIENT_ID',
    dataDir: 'GEOWARN_DATA_DIR',
    rulesFile: 'GEOWARN_RULES_FILE',
    overridesFile: 'GEOWARN_RULES_OVERRIDES_FILE',
    province: 'GEOWARN_RULES_PROVINCE',
    dztApiKey: secretVar('GEOWARN_DZT_API_KEY'),
    offlineAfterMin: 'GEOWARN_OFFLINE_AFTER_MIN',
    offlineSweepMin: 'GEOWARN_OFFLINE_SWEEP_MIN',
    warmStartH: 'GEOWARN_RULES_WARM_START_H',
    warmStartStepS: 'GEOWARN_RULES_WARM_START_STEP_S'
  }
  return parseEnvConfig(rulesConfigSchema, raw, vars, 'rules', mqtt.problems)
}
