import { z } from 'zod'
import { checkEnvConfig, dialectSchema, envList, envMqttUrl, envNumber, envString, fail, idSchema, ok, parseEnvConfig, type EnvVars, type Result } from '../domain/index.js'

/** Simulator settings; defaults in one visible place. */
export const simConfigSchema = z.object({
  mqttUrl: z.string().url().default('mqtt://127.0.0.1:1883'),
  registryPath: z.string().min(1).default('config/demo-registry.json'),
  scenarioPath: z.string().min(1).default('config/scenarios/storm.json'),
  /** Models run this many times faster than the clock once live (1 = real time); timestamps stay wall time. */
  speed: z.number().positive().max(3600).default(1),
  /** Stop after this many seconds even if the scenario goes on. */
  durationS: z.number().positive().optional(),
  /** Devices connecting at the same time. */
  connectConcurrency: z.number().int().min(1).max(10_000).default(50),
  /** A device that has not connected within this time is given up (bad credentials, no broker). */
  connectTimeoutMs: z.number().int().min(100).default(30_000),
  /** Only the devices of these sites (default: all). */
  sites: z.array(idSchema).optional(),
  /** Make every device speak this dialect (load tests); DZ/T sensor ids then become point codes. */
  dialect: dialectSchema.optional(),
  keepaliveS: z.number().int().min(0).default(60),
  reconnectPeriodMs: z.number().int().min(0).default(2000)
})
export type SimConfig = z.infer<typeof simConfigSchema>
export type SimConfigInput = z.input<typeof simConfigSchema>

/** For programmatic input (flags, tests): every problem in the reason, named by its field. */
export function parseSimConfig(input: SimConfigInput): Result<SimConfig> {
  const r = checkEnvConfig(simConfigSchema, input, {})
  return r.ok ? ok(Object.freeze(r.value)) : fail(`invalid simulator config: ${r.reason.join('; ')}`)
}

/**
 * From the environment: GEOWARN_SIM_MQTT_URL (else GEOWARN_MQTT_PORT on 127.0.0.1), GEOWARN_SIM_REGISTRY,
 * GEOWARN_SIM_SCENARIO, GEOWARN_SIM_SPEED, GEOWARN_SIM_DURATION_S, GEOWARN_SIM_CONCURRENCY,
 * GEOWARN_SIM_SITES (comma-separated), GEOWARN_SIM_DIALECT. Throws a ConfigError listing every problem.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): SimConfig {
  const mqtt = envMqttUrl(env, 'GEOWARN_SIM_MQTT_URL')
  const raw = {
    mqttUrl: mqtt.url,
    registryPath: envString(env.GEOWARN_SIM_REGISTRY),
    scenarioPath: envString(env.GEOWARN_SIM_SCENARIO),
    speed: envNumber(env.GEOWARN_SIM_SPEED),
    durationS: envNumber(env.GEOWARN_SIM_DURATION_S),
    connectConcurrency: envNumber(env.GEOWARN_SIM_CONCURRENCY),
    sites: envList(env.GEOWARN_SIM_SITES),
    dialect: envString(env.GEOWARN_SIM_DIALECT)
  }
  const vars: EnvVars = {
    mqttUrl: mqtt.name,
    registryPath: 'GEOWARN_SIM_REGISTRY',
    scenarioPath: 'GEOWARN_SIM_SCENARIO',
    speed: 'GEOWARN_SIM_SPEED',
    durationS: 'GEOWARN_SIM_DURATION_S',
    connectConcurrency: 'GEOWARN_SIM_CONCURRENCY',
    sites: 'GEOWARN_SIM_SITES',
    dialect: 'GEOWARN_SIM_DIALECT'
  }
  return Object.freeze(parseEnvConfig(simConfigSchema, raw, vars, 'simulator', mqtt.problems))
}
