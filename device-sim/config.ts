import { z } from 'zod'
import { dialectSchema, fail, idSchema, ok, type Result } from '../domain/index.js'

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

export function parseSimConfig(input: SimConfigInput): Result<SimConfig> {
  const parsed = simConfigSchema.safeParse(input)
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    return fail(`invalid simulator config: ${issues.join('; ')}`)
  }
  return ok(Object.freeze(parsed.data))
}

/**
 * From the environment: GEOWARN_SIM_MQTT_URL (else GEOWARN_MQTT_PORT on 127.0.0.1), GEOWARN_SIM_REGISTRY,
 * GEOWARN_SIM_SCENARIO, GEOWARN_SIM_SPEED, GEOWARN_SIM_DURATION_S, GEOWARN_SIM_CONCURRENCY,
 * GEOWARN_SIM_SITES (comma-separated), GEOWARN_SIM_DIALECT.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Result<SimConfig> {
  const input: Record<string, unknown> = {}
  const port = env.GEOWARN_MQTT_PORT
  if (env.GEOWARN_SIM_MQTT_URL) input.mqttUrl = env.GEOWARN_SIM_MQTT_URL
  else if (port) input.mqttUrl = `mqtt://127.0.0.1:${port}`
  if (env.GEOWARN_SIM_REGISTRY) input.registryPath = env.GEOWARN_SIM_REGISTRY
  if (env.GEOWARN_SIM_SCENARIO) input.scenarioPath = env.GEOWARN_SIM_SCENARIO
  if (env.GEOWARN_SIM_SPEED) input.speed = Number(env.GEOWARN_SIM_SPEED)
  if (env.GEOWARN_SIM_DURATION_S) input.durationS = Number(env.GEOWARN_SIM_DURATION_S)
  if (env.GEOWARN_SIM_CONCURRENCY) input.connectConcurrency = Number(env.GEOWARN_SIM_CONCURRENCY)
  if (env.GEOWARN_SIM_SITES) input.sites = env.GEOWARN_SIM_SITES.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (env.GEOWARN_SIM_DIALECT) input.dialect = env.GEOWARN_SIM_DIALECT
  return parseSimConfig(input as SimConfigInput)
}
