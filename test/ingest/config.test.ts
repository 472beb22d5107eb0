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

test('the spool lives under the data folder, one per client id, unless GEOWARN_INGEST_SPOOL_DIR says where', () => {
  expect(loadConfig({ GEOWARN_SERVICE_SECRET: SECRET })).toMatchObject({ spoolDir: 'data/spool/geowarn-ingest', spoolMaxBytes: 1024 ** 3, storeTimeoutMs: 5000 })
  expect(loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_DATA_DIR: '/var/lib/geowarn', GEOWARN_INGEST_CLIENT_ID: 'ingest/51 ../x' }).spoolDir).toBe(
    '/var/lib/geowarn/spool/ingest_51____x'
  )
  expect(
    loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, GEOWARN_INGEST_SPOOL_DIR: '/fast/spool', GEOWARN_INGEST_SPOOL_MAX_BYTES: '1048576', GEOWARN_INGEST_STORE_TIMEOUT_MS: '2000' })
  ).toMatchObject({ spoolDir: '/fast/spool', spoolMaxBytes: 1_048_576, storeTimeoutMs: 2000 })
})

test.each([
  ['GEOWARN_INGEST_SPOOL_MAX_BYTES', '1G', 'expected a number (got "1G")'],
  ['GEOWARN_INGEST_SPOOL_MAX_BYTES', '0', 'GEOWARN_INGEST_SPOOL_MAX_BYTES: '],
  ['GEOWARN_INGEST_STORE_TIMEOUT_MS', '-5', 'GEOWARN_INGEST_STORE_TIMEOUT_MS: ']
])('%s=%s is refused', (name, value, problem) => {
  const problems = problemsOf({ GEOWARN_SERVICE_SECRET: SECRET, [name]: value })
  expect(problems).toHaveLength(1)
  expect(problems[0]).toContain(problem)
})
