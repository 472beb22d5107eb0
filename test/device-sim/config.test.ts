import { expect, test } from 'vitest'
import { loadConfig, parseSimConfig } from '../../device-sim/config.js'
import { ConfigError } from '../../domain/config.js'

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).code).toBe('GH_ERR_CONFIG')
    return (err as ConfigError).problems
  }
  throw new Error('expected a ConfigError')
}

test('defaults and the MQTT port', () => {
  expect(loadConfig({ GEOWARN_MQTT_PORT: '11883', GEOWARN_SIM_SITES: 'a, b,' })).toMatchObject({
    mqttUrl: 'mqtt://127.0.0.1:11883',
    registryPath: 'config/demo-registry.json',
    scenarioPath: 'config/scenarios/storm.json',
    speed: 1,
    connectConcurrency: 50,
    sites: ['a', 'b']
  })
})

test.each<[Record<string, string>, string]>([
  [{ GEOWARN_SIM_SPEED: 'fast' }, 'GEOWARN_SIM_SPEED: expected a number (got "fast")'],
  [{ GEOWARN_SIM_SPEED: '0' }, 'GEOWARN_SIM_SPEED: '],
  [{ GEOWARN_SIM_DURATION_S: '-5' }, 'GEOWARN_SIM_DURATION_S: '],
  [{ GEOWARN_SIM_CONCURRENCY: '2.5' }, 'GEOWARN_SIM_CONCURRENCY: '],
  [{ GEOWARN_SIM_MQTT_URL: 'nope' }, 'GEOWARN_SIM_MQTT_URL: '],
  [{ GEOWARN_MQTT_PORT: '99999' }, 'GEOWARN_MQTT_PORT: a port is 0–65535 (got "99999")'],
  [{ GEOWARN_SIM_DIALECT: 'klingon' }, 'GEOWARN_SIM_DIALECT: '],
  [{ GEOWARN_SIM_SITES: 'ok-site,bad site' }, 'GEOWARN_SIM_SITES: ']
])('%j → %s', (env, problem) => {
  const problems = problemsOf(env)
  expect(problems).toHaveLength(1)
  expect(problems[0]).toContain(problem)
})

test('every problem is listed at once', () => {
  const problems = problemsOf({ GEOWARN_SIM_SPEED: 'x', GEOWARN_SIM_CONCURRENCY: 'y', GEOWARN_SIM_DIALECT: 'z' })
  expect(problems.map((p) => p.split(':')[0])).toEqual(['GEOWARN_SIM_SPEED', 'GEOWARN_SIM_CONCURRENCY', 'GEOWARN_SIM_DIALECT'])
})

test('parseSimConfig keeps its Result API and names fields', () => {
  expect(parseSimConfig({ speed: 2 })).toMatchObject({ ok: true, value: { speed: 2 } })
  const r = parseSimConfig({ speed: -1, connectConcurrency: 0 })
  expect(r.ok).toBe(false)
  if (!r.ok) expect(r.reason).toMatch(/^invalid simulator config: speed: .*; connectConcurrency: /)
})
