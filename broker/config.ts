import { z } from 'zod'
import { ConfigError, envString, parseEnvConfig, secretVar, serviceSecretSchema, type EnvVars } from '../domain/config.js'
import { SERVICE_ROLES } from './acl.js'

/** Defaults in one visible place (style.md). */
export const BROKER_DEFAULTS = Object.freeze({
  // Our choice, measured (README "Overload"): 100 to 1,000 keep an overloaded pipeline at its
  // capacity alike, 2,000 already loses some, and with no bound the broker collapses.
  uplinkWindow: 500,
  // Our choice: a sustained overload logs one line when it starts and one when it ends, not one
  // per socket read.
  overloadQuietMs: 5_000
})

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
    services: z.partialRecord(z.enum(SERVICE_ROLES), serviceSecretSchema).default({}),
    /**
     * Device uplinks inside the broker at once (let in, not yet written to every subscriber).
     * Past it the broker stops reading devices' sockets until its subscribers catch up
     * (publish-gate.ts).
     */
    uplinkWindow: z.coerce.number().int().min(1, 'at least 1').max(100_000).default(BROKER_DEFAULTS.uplinkWindow),
    /** An overload ends after this long without an uplink having to wait. */
    overloadQuietMs: z.coerce.number().int().min(1).default(BROKER_DEFAULTS.overloadQuietMs)
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
  uplinkWindow: 'GEOWARN_MQTT_UPLINK_WINDOW',
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
    uplinkWindow: envString(env.GEOWARN_MQTT_UPLINK_WINDOW),
    serviceSecret: envString(env.GEOWARN_SERVICE_SECRET),
    services
  }
  return parseEnvConfig(brokerConfigSchema, raw, ENV_VARS, 'broker')
}

function serviceSecretVar(role: string): string {
  return `GEOWARN_SERVICE_SECRET_${role.toUpperCase()}`
}
