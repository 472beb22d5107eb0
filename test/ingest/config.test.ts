import { expect, test } from 'vitest'
import { ConfigError } from '../../domain/config.js'
import { loadConfig } from '../../ingest/config.js'

const SECRET = 'ingest-secret-1234'

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

test.each<[Record<string, string>, string]>([
  [{}, 'GEOWARN_SERVICE_SECRET: is required'],
  [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_MQTT_URL: 'not a url' }, 'GEOWARN_MQTT_URL: '],
  [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_INGEST_BATCH_MAX_SIZE: 'lots' }, 'GEOWARN_INGEST_BATCH_MAX_SIZE: expected a number (got "lots")'],
  [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_INGEST_KEEPALIVE_S: '0' }, 'GEOWARN_INGEST_KEEPALIVE_S: '],
  [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_INGEST_PROVINCES: '51,5' }, 'GEOWARN_INGEST_PROVINCES: a province code has two digits (GB/T 2260 prefix) (got "5")'],
  [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_INGEST_COUNTIES: '4311' }, 'GEOWARN_INGEST_COUNTIES: a county code has six digits (GB/T 2260) (got "4311")'],
  [{ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_INGEST_RETRY_BASE_MS: '60000' }, 'GEOWARN_INGEST_RETRY_MAX_MS: retryMaxMs must be at least retryBaseMs']
])('%j → %s', (env, problem) => {
  const problems = problemsOf(env)
  expect(problems).toHaveLength(1)
  expect(problems[0]).toContain(problem)
})

test('every problem is listed at once, the partition included', () => {
  const problems = problemsOf({ GEOWARN_INGEST_PROVINCES: 'x', GEOWARN_INGEST_BATCH_MAX_WAIT_MS: '-1', GEOWARN_INGEST_DEDUPE_WINDOW: 'many' })
  expect(problems.map((p) => p.split(':')[0])).toEqual(['GEOWARN_INGEST_PROVINCES', 'GEOWARN_SERVICE_SECRET', 'GEOWARN_INGEST_BATCH_MAX_WAIT_MS', 'GEOWARN_INGEST_DEDUPE_WINDOW'])
})

test('a blank secret is missing; the secret never appears in the message', () => {
  expect(problemsOf({ GEOWARN_SERVICE_SECRET: '   ' })).toEqual(['GEOWARN_SERVICE_SECRET: is required'])
  expect(() => loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_INGEST_KEEPALIVE_S: 'x' })).toThrow(/^(?![\s\S]*ingest-secret)/)
})

test('GEOWARN_SERVICE_SECRET_INGEST wins over the shared secret, as at the broker', () => {
  expect(loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_SERVICE_SECRET_INGEST: 'own-ingest-secret' }).mqttPassword).toBe('own-ingest-secret')
})
