import { z } from 'zod'
import { ConfigError, envString, parseEnvConfig, secretVar, serviceSecretSchema, type EnvVars } from '../domain/config.js'
import { SERVICE_ROLES } from './acl.js'

const portSchema = z.coerce.number().int().min(0, 'a port is 0–65535 (0 = pick a free one)').max(65535, 'a port is 0–65535')
/** Same floor as device secrets (domain/registry.ts deviceImportSchema); our choice, not a standard. */

export const brokerConfigSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    mqttPort: portSchema.default(1883),
    /** MQTT over WebSocket on path `/mqtt`; null disables the listener. */
    wsPort: portSchema.nullable().default(8083),
    dataDir: z.string().min(1).default('./data'),
    /** Shared secret of the `svc:<name>` MQTT users (ingest, rules, dashboard). */
    serviceSecret: serviceSecretSchema,
    /** Per-service secrets; a service not listed uses `serviceSecret`. */
    services: z.partialRecord(z.enum(SERVICE_ROLES), serviceSecretSchema).default({})
  })
  .readonly()
export type BrokerConfig = z.infer<typeof brokerConfigSchema>
export type BrokerConfigInput = z.input<typeof brokerConfigSchema>

export const WS_PATH = '/mqtt'

/** Re-exported so callers keep one import; the class lives in domain/config.ts. */
export { ConfigError }

const ENV_VARS: EnvVars = Object.freeze({
  host: 'GEOWARN_MQTT_HOST',
  mqttPort: 'GEOWARN_MQTT_PORT',
  wsPort: 'GEOWARN_MQTT_WS_PORT',
  dataDir: 'GEOWARN_DATA_DIR',
  serviceSecret: secretVar('GEOWARN_SERVICE_SECRET'),
  ...Object.fromEntries(SERVICE_ROLES.map((role) => [`services.${role}`, secretVar(serviceSecretVar(role))]))
})

/** Values of GEOWARN_MQTT_WS_PORT that turn the WebSocket listener off. */
const DISABLED = new Set(['off', 'disabled', 'none', 'false', 'null'])

/** Read the broker's settings from the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): BrokerConfig {
  const services: Record<string, string> = {}
  for (const role of SERVICE_ROLES) {
    const v = envString(env[serviceSecretVar(role)])
    if (v !== undefined) services[role] = v
  }
  const wsRaw = envString(env.GEOWARN_MQTT_WS_PORT)
  const raw = {
    host: envString(env.GEOWARN_MQTT_HOST),
    mqttPort: envString(env.GEOWARN_MQTT_PORT),
    wsPort: wsRaw !== undefined && DISABLED.has(wsRaw.toLowerCase()) ? null : wsRaw,
    dataDir: envString(env.GEOWARN_DATA_DIR),
    serviceSecret: envString(env.GEOWARN_SERVICE_SECRET),
    services
  }
  return parseEnvConfig(brokerConfigSchema, raw, ENV_VARS, 'broker')
}

function serviceSecretVar(role: string): string {
  return `GEOWARN_SERVICE_SECRET_${role.toUpperCase()}`
}
