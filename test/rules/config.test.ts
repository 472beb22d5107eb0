import { describe, expect, test } from 'vitest'
import { ConfigError } from '../../domain/config.js'
import { loadConfig } from '../../rules/config.js'

const SECRET = 'a-service-secret-of-16+'

describe('rules config', () => {
  test('defaults, with the shared service secret', () => {
    expect(loadConfig({ GEOWARN_SERVICE_SECRET: SECRET })).toEqual({
      mqttUrl: 'mqtt://127.0.0.1:1883',
      mqttUsername: 'svc:rules',
      mqttPassword: SECRET,
      mqttClientId: 'geowarn-rules',
      dataDir: './data',
      rulesFile: 'config/rules-default.json',
      province: '+',
      offlineAfterMin: 125,
      offlineSweepMin: 5,
      warmStartH: 72,
      warmStartStepS: 60
    })
  })

  test.each<[string | undefined, string | undefined]>([
    // This checkout ships only rules-overrides.example.json: no default override file.
    [undefined, undefined],
    ['/etc/geowarn/overrides.json', '/etc/geowarn/overrides.json'],
    ['none', undefined]
  ])('GEOWARN_RULES_OVERRIDES_FILE %s → overridesFile %s', (value, overridesFile) => {
    const env = { GEOWARN_SERVICE_SECRET: SECRET, ...(value === undefined ? {} : { GEOWARN_RULES_OVERRIDES_FILE: value }) }
    expect(loadConfig(env).overridesFile).toBe(overridesFile)
  })

  test('lifecycle settings: the DZ/T api key, offline delay and sweep, warm-start hours', () => {
    const c = loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_DZT_API_KEY: 'k3y-42', GEOWARN_OFFLINE_AFTER_MIN: '60', GEOWARN_OFFLINE_SWEEP_MIN: '1', GEOWARN_RULES_WARM_START_H: '0' })
    expect(c).toMatchObject({ dztApiKey: 'k3y-42', offlineAfterMin: 60, offlineSweepMin: 1, warmStartH: 0 })
  })

  test('a bad DZ/T api key is named but never echoed', () => {
    let error: unknown
    try {
      loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_DZT_API_KEY: 'a&b=c', GEOWARN_OFFLINE_AFTER_MIN: 'soon' })
    } catch (err) {
      error = err
    }
    const problems = (error as ConfigError).problems
    expect(problems).toEqual(['GEOWARN_DZT_API_KEY: an API key has no &, = or spaces', 'GEOWARN_OFFLINE_AFTER_MIN: expected a number (got "soon")'])
  })

  test('the per-service secret and the MQTT port', () => {
    const c = loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_SERVICE_SECRET_RULES: `${SECRET}-rules`, GEOWARN_MQTT_PORT: '1999', GEOWARN_RULES_PROVINCE: '43' })
    expect(c).toMatchObject({ mqttPassword: `${SECRET}-rules`, mqttUrl: 'mqtt://127.0.0.1:1999', province: '43' })
  })

  test('every problem listed, the secret never echoed', () => {
    let error: unknown
    try {
      loadConfig({ GEOWARN_SERVICE_SECRET: 'short-secret', GEOWARN_MQTT_URL: 'http://x', GEOWARN_RULES_PROVINCE: '4' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems
    expect(problems).toHaveLength(3)
    expect(problems.join('\n')).not.toContain('short-secret')
    expect(problems).toContain('GEOWARN_SERVICE_SECRET: a service secret needs at least 16 characters')
    expect(problems).toContain('GEOWARN_RULES_PROVINCE: a province is 2 digits or + (got "4")')
  })

  test.each<[Record<string, string>, string]>([
    [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_SERVICE_SECRET_RULES: 'short-rules' }, 'GEOWARN_SERVICE_SECRET_RULES: a service secret needs at least 16 characters'],
    [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_MQTT_PORT: 'abc' }, 'GEOWARN_MQTT_PORT: a port is 0–65535 (got "abc")'],
    [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_RULES_CLIENT_ID: 'x'.repeat(65) }, 'GEOWARN_RULES_CLIENT_ID: ']
  ])('%j → %s', (env, problem) => {
    let error: unknown
    try {
      loadConfig(env)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toHaveLength(1)
    expect((error as ConfigError).problems[0]).toContain(problem)
    expect((error as ConfigError).message).not.toContain('short-rules')
  })

  test('a missing secret is required', () => {
    expect(() => loadConfig({})).toThrow(/GEOWARN_SERVICE_SECRET: is required/)
  })
})
