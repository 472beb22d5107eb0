import { expect, test } from 'vitest'
import { ConfigError as BrokerConfigError, loadConfig } from '../../broker/config.js'
import { ConfigError } from '../../domain/config.js'

const SECRET = 'service-secret-0123'

test('defaults', () => {
  expect(loadConfig({ GEOWARN_SERVICE_SECRET: SECRET })).toEqual({
    host: '0.0.0.0',
    mqttPort: 1883,
    wsPort: 8083,
    dataDir: './data',
    serviceSecret: SECRET,
    services: {},
    uplinkWindow: 500,
    overloadQuietMs: 5_000
  })
})

test.each<[Record<string, string>, Record<string, unknown>]>([
  [{ GEOWARN_MQTT_PORT: '0', GEOWARN_MQTT_WS_PORT: '0' }, { mqttPort: 0, wsPort: 0 }],
  [{ GEOWARN_MQTT_WS_PORT: 'off' }, { wsPort: null }],
  [{ GEOWARN_MQTT_WS_PORT: 'disabled' }, { wsPort: null }],
  [{ GEOWARN_MQTT_WS_PORT: '' }, { wsPort: 8083 }],
  [{ GEOWARN_MQTT_HOST: '127.0.0.1', GEOWARN_DATA_DIR: '/var/lib/geowarn' }, { host: '127.0.0.1', dataDir: '/var/lib/geowarn' }],
  [{ GEOWARN_SERVICE_SECRET_RULES: 'rules-only-secret' }, { services: { rules: 'rules-only-secret' } }],
  [{ GEOWARN_MQTT_UPLINK_WINDOW: '2000' }, { uplinkWindow: 2000 }]
])('%o', (env, expected) => {
  expect(loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, ...env })).toMatchObject(expected)
})

test('every problem is listed, secrets are not echoed', () => {
  let caught: unknown
  try {
    loadConfig({ GEOWARN_MQTT_PORT: 'abc', GEOWARN_MQTT_WS_PORT: '70000', GEOWARN_SERVICE_SECRET_INGEST: 'short' })
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(ConfigError)
  const err = caught as ConfigError
  expect(err.code).toBe('GH_ERR_CONFIG')
  expect(err.problems).toHaveLength(4)
  expect(err.message).toMatch(/GEOWARN_MQTT_PORT: .*"abc"/)
  expect(err.message).toMatch(/GEOWARN_MQTT_WS_PORT: .*"70000"/)
  expect(err.message).toMatch(/GEOWARN_SERVICE_SECRET: is required/)
  expect(err.message).toMatch(/GEOWARN_SERVICE_SECRET_INGEST: /)
  expect(err.message).not.toContain('short')
  expect(err.problems).toContain('GEOWARN_SERVICE_SECRET_INGEST: a service secret needs at least 16 characters')
})

test('the one ConfigError of domain/config.ts', () => {
  expect(BrokerConfigError).toBe(ConfigError)
})

test.each<[Record<string, string>, string]>([
  [{ GEOWARN_MQTT_PORT: 'abc' }, 'GEOWARN_MQTT_PORT: expected a number (got "abc")'],
  [{ GEOWARN_MQTT_PORT: '-1' }, 'GEOWARN_MQTT_PORT: a port is 0–65535 (0 = pick a free one) (got "-1")'],
  [{ GEOWARN_MQTT_WS_PORT: '65536' }, 'GEOWARN_MQTT_WS_PORT: a port is 0–65535 (got "65536")'],
  [{ GEOWARN_SERVICE_SECRET: 'tiny' }, 'GEOWARN_SERVICE_SECRET: a service secret needs at least 16 characters'],
  [{ GEOWARN_SERVICE_SECRET_DASHBOARD: 'tiny' }, 'GEOWARN_SERVICE_SECRET_DASHBOARD: a service secret needs at least 16 characters'],
  [{ GEOWARN_MQTT_UPLINK_WINDOW: '0' }, 'GEOWARN_MQTT_UPLINK_WINDOW: at least 1 (got "0")']
])('%j → %s', (env, problem) => {
  expect(() => loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, ...env })).toThrow(ConfigError)
  try {
    loadConfig({ GEOWARN_SERVICE_SECRET: SECRET, ...env })
  } catch (err) {
    expect((err as ConfigError).problems).toEqual([problem])
  }
})
