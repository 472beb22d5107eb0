import { expect, test } from 'vitest'
import { inRepository, loadConfig } from '../../dashboard/config.js'
import { ConfigError } from '../../domain/config.js'

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

test.each<[Record<string, string>, string]>([
  [{ GEOWARN_HTTP_PORT: 'abc' }, 'GEOWARN_HTTP_PORT: expected a number (got "abc")'],
  [{ GEOWARN_HTTP_PORT: '70000' }, 'GEOWARN_HTTP_PORT: '],
  [{ GEOWARN_HTTP_PORT: '-1' }, 'GEOWARN_HTTP_PORT: '],
  [{ GEOWARN_MQTT_URL: 'http://x' }, 'GEOWARN_MQTT_URL: an mqtt://, mqtts://, ws:// or wss:// URL (got "http://x")'],
  [{ GEOWARN_SESSION_TTL_MS: '0' }, 'GEOWARN_SESSION_TTL_MS: '],
  [{ GEOWARN_COOKIE_SECURE: 'perhaps' }, 'GEOWARN_COOKIE_SECURE: expected a boolean (got "perhaps")']
])('%j → %s', (env, problem) => {
  const err = errorOf(env)
  expect(err.code).toBe('GH_ERR_CONFIG')
  expect(err.problems).toHaveLength(1)
  expect(err.problems[0]).toContain(problem)
})

test('every problem is listed; the service secret is never echoed', () => {
  const err = errorOf({ GEOWARN_HTTP_PORT: 'abc', GEOWARN_SESSION_TTL_MS: 'long', GEOWARN_SERVICE_SECRET: 'dashboard-secret-xyz', GEOWARN_COOKIE_SECURE: 'maybe' })
  expect(err.problems.map((p) => p.split(':')[0])).toEqual(['GEOWARN_HTTP_PORT', 'GEOWARN_SESSION_TTL_MS', 'GEOWARN_COOKIE_SECURE'])
  expect(err.message).not.toContain('dashboard-secret-xyz')
})

test.each([
  ['no', false],
  ['1', true],
  ['', false]
])('GEOWARN_COOKIE_SECURE=%j → %s', (value, secure) => {
  expect(loadConfig({ GEOWARN_COOKIE_SECURE: value }).cookieSecure).toBe(secure)
})

test('GEOWARN_MQTT_PORT builds the URL and is checked as a port', () => {
  expect(loadConfig({ GEOWARN_MQTT_PORT: '1999' }).mqttUrl).toBe('mqtt://127.0.0.1:1999')
  expect(errorOf({ GEOWARN_MQTT_PORT: 'abc' }).problems).toEqual(['GEOWARN_MQTT_PORT: a port is 0–65535 (got "abc")'])
})

test('GEOWARN_SERVICE_SECRET_DASHBOARD wins over the shared secret, as at the broker', () => {
  expect(loadConfig({ GEOWARN_SERVICE_SECRET: 'shared-secret-0001', GEOWARN_SERVICE_SECRET_DASHBOARD: 'own-dashboard-secret' }).mqttPassword).toBe('own-dashboard-secret')
})

test('the rule files: GEOWARN_RULES_FILE and GEOWARN_RULES_OVERRIDES_FILE, else the repository defaults', () => {
  // This checkout ships only rules-overrides.example.json: no default override file.
  expect(loadConfig({})).toMatchObject({ rulesFile: inRepository('config', 'rules-default.json') })
  expect(loadConfig({}).rulesOverridesFile).toBeUndefined()
  expect(loadConfig({ GEOWARN_RULES_FILE: '/etc/geowarn/rules.json', GEOWARN_RULES_OVERRIDES_FILE: '/etc/geowarn/overrides.json' })).toMatchObject({
    rulesFile: '/etc/geowarn/rules.json',
    rulesOverridesFile: '/etc/geowarn/overrides.json'
  })
  expect(loadConfig({ GEOWARN_RULES_OVERRIDES_FILE: 'none' }).rulesOverridesFile).toBeUndefined()
})

test('GEOWARN_METRICS_TOKEN: unset by default, at least 16 characters, never echoed when refused', () => {
  expect(loadConfig({}).metricsToken).toBeUndefined()
  expect(loadConfig({ GEOWARN_METRICS_TOKEN: 'scraper-token-0123456789' }).metricsToken).toBe('scraper-token-0123456789')
  const problems = errorOf({ GEOWARN_METRICS_TOKEN: 'short-secret' }).problems
  expect(problems).toHaveLength(1)
  expect(problems[0]).toContain('GEOWARN_METRICS_TOKEN')
  expect(problems[0]).not.toContain('short-secret')
})
