import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { io, type Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { startInfluxd, type InfluxdServer } from '../../cli/influxd-server.js'
import { levelRank, type AlertEvent, type ClientToServerEvents, type NativeData, type ServerToClientEvents } from '../../domain/index.js'
import { DEFAULT_RETENTION } from '../../store/readings-store.js'
import { healthcheckCommand, interpolate, loadCompose, LocalStack, service, serviceCommand, serviceEnv, undocumentedVariables, volumeOf } from '../support/compose.js'
import { haveInfluxd, requireInfluxd } from '../support/influxd.js'
import { influxQuery } from '../support/influxql.js'
import { buildServices, ProcessGroup, repoRoot, runCommand, type RunResult, type ServiceProcess } from '../support/processes.js'

/**
 * docker-compose.yml, proved on this machine. First what can be read from the file (every variable
 * is one the code reads and is explained; volumes and start order fit what each service opens).
 * Then its services run as separate processes, each its compose `command` with its compose
 * `environment`, against a real influxd, and the file's health checks run against them. Only what
 * cannot be the same outside Docker differs, all in test/support/compose.ts `envOnThisMachine`.
 */

const compose = loadCompose()
const GEOWARN_SERVICES = ['broker', 'ingest', 'rules', 'dashboard'] as const
const H = 3_600_000

// What the operator's `.env` holds (docker-compose.yml header).
const DOT_ENV = {
  GEOWARN_SERVICE_SECRET: 'processes-test-service-secret',
  GEOWARN_INFLUX_TOKEN: 'processes-test-influx-token',
  INFLUXDB_ADMIN_PASSWORD: 'processes-test-influx-admin',
  GEOWARN_NEW_PASSWORD: 'processes-test-admin-password'
}

/** The source files a compose command runs: the import closure of each `dist/<x>.js` it names. */
function sourcesOf(args: readonly string[]): Set<string> {
  const files = new Set<string>()
  const pending = args.flatMap((a) => [...a.matchAll(/\bdist\/([\w/-]+)\.js\b/g)].map((m) => `${m[1]}.ts`))
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue
    files.add(file)
    const text = readFileSync(join(repoRoot, file), 'utf8')
    for (const m of text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)\.js'/g)) pending.push(posix.join(posix.dirname(file), `${m[1]}.ts`))
  }
  return files
}

function reads(files: Set<string>, variable: string): boolean {
  const word = new RegExp(`\\b${variable}\\b`)
  return [...files].some((f) => word.test(readFileSync(join(repoRoot, f), 'utf8')))
}

const opensPlatformDb = (name: string): boolean => sourcesOf(serviceCommand(compose, name, DOT_ENV)).has('store/sqlite-platform-db.ts')

describe('docker-compose.yml', () => {
  test('every GEOWARN_ variable a service sets is one the code it runs reads', () => {
    const unread: string[] = []
    for (const name of Object.keys(compose.services)) {
      const env = serviceEnv(compose, name, DOT_ENV)
      const command = service(compose, name).command
      if (command === undefined) continue
      const files = sourcesOf(serviceCommand(compose, name, DOT_ENV))
      expect(files.size, `${name}: its command names no dist/… entry point`).toBeGreaterThan(0)
      for (const variable of Object.keys(env)) {
        if (variable.startsWith('GEOWARN_') && !reads(files, variable)) unread.push(`${name}: ${variable}`)
      }
    }
    expect(unread).toEqual([])
  })

  test('compose interpolates every value from .env, and the header lists every .env variable', () => {
    const strings = (v: unknown): string[] =>
      typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : typeof v === 'object' && v !== null ? Object.values(v).flatMap(strings) : []
    const all = strings(compose.doc.toJS())
    for (const text of all) expect(() => interpolate(text, DOT_ENV), text.slice(0, 80)).not.toThrow()
    // Without the required secrets compose refuses to start, naming the variable.
    expect(() => all.forEach((text) => interpolate(text, {}))).toThrow(/GEOWARN_SERVICE_SECRET|GEOWARN_INFLUX_TOKEN|INFLUXDB_ADMIN_PASSWORD/)
    const used = new Set(all.flatMap((text) => [...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1])))
    const header = compose.doc.commentBefore ?? ''
    expect([...used].filter((name) => !header.includes(`${name}=`))).toEqual([])
  })

  test('every environment variable is explained by a comment', () => {
    const bare = Object.keys(compose.services).flatMap((name) => undocumentedVariables(compose, name).map((v) => `${name}: ${v}`))
    expect(bare).toEqual([])
  })

  test('the services that open platform.db share one volume there; every folder a service writes is a volume', () => {
    const platformVolumes = new Set<string | undefined>()
    for (const name of Object.keys(compose.services)) {
      const env = serviceEnv(compose, name, DOT_ENV)
      for (const variable of ['GEOWARN_DATA_DIR', 'GEOWARN_INGEST_SPOOL_DIR']) {
        const path = env[variable]
        if (path !== undefined) expect(volumeOf(compose, name, path), `${name}: ${variable}=${path} is not on a volume`).toBeDefined()
      }
      if (service(compose, name).command !== undefined && opensPlatformDb(name)) platformVolumes.add(volumeOf(compose, name, env.GEOWARN_DATA_DIR ?? './data')?.volume)
    }
    expect([...platformVolumes]).toEqual(['platform'])
    // Ingest opens no platform DB: its spool is its own, not on the shared volume.
    expect(opensPlatformDb('ingest')).toBe(false)
    const ingest = serviceEnv(compose, 'ingest', DOT_ENV)
    expect(volumeOf(compose, 'ingest', ingest.GEOWARN_INGEST_SPOOL_DIR ?? '')?.volume).not.toBe('platform')
  })

  test('each service runs its own main.js with a health check, after init and what it connects to', () => {
    for (const name of GEOWARN_SERVICES) {
      const s = service(compose, name)
      expect(s.command).toEqual(['node', `dist/${name}/main.js`])
      expect(s.healthcheck?.test[0], `${name} health check`).toBe('CMD')
      const env = serviceEnv(compose, name, DOT_ENV)
      const needs = new Map<string, string>()
      if (name !== 'broker') needs.set('broker', 'service_healthy')
      if (env.GEOWARN_INFLUX_URL !== undefined) needs.set('influxdb', 'service_healthy')
      if (opensPlatformDb(name)) needs.set('init', 'service_completed_successfully')
      for (const [dep, condition] of needs) expect(s.depends_on?.[dep]?.condition, `${name} depends on ${dep}`).toBe(condition)
    }
  })

  test('InfluxDB is set up with the organisation, bucket, retention and token the services use', () => {
    const influxdb = serviceEnv(compose, 'influxdb', DOT_ENV)
    for (const name of ['ingest', 'rules', 'dashboard']) {
      const env = serviceEnv(compose, name, DOT_ENV)
      expect(env.GEOWARN_INFLUX_URL).toBe('http://influxdb:8086')
      expect([env.GEOWARN_INFLUX_ORG, env.GEOWARN_INFLUX_BUCKET, env.GEOWARN_READINGS_RETENTION, env.GEOWARN_INFLUX_TOKEN]).toEqual([
        influxdb.DOCKER_INFLUXDB_INIT_ORG,
        influxdb.DOCKER_INFLUXDB_INIT_BUCKET,
        influxdb.DOCKER_INFLUXDB_INIT_RETENTION,
        influxdb.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN
      ])
    }
    // GeoWarn's default raw-readings retention (store/readings-store.ts DEFAULT_RETENTION).
    expect(influxdb.DOCKER_INFLUXDB_INIT_RETENTION).toBe(DEFAULT_RETENTION)
  })
})

requireInfluxd('processes')

describe.skipIf(!haveInfluxd)('the compose services as separate processes, against a real influxd', () => {
  const group = new ProcessGroup('processes')
  const clients: MqttClient[] = []
  const sockets: Socket[] = []
  let tmp: string
  let influx: InfluxdServer
  let stack: LocalStack
  let broker: ServiceProcess
  let ingest: ServiceProcess
  let rules: ServiceProcess
  let dashboard: ServiceProcess
  let dashboardUrl: string

  // 江华 (Hunan): a slope with one native rain gauge.
  const SITE = { id: 'S-PROC-1', county: '431129' }
  const GAUGE = { id: 'RG-PROC-1', secret: 'gauge-secret-1' }
  const DB = 'geowarn'
  const RP = 'raw'

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'geowarn-processes-'))
    const [app, server] = await Promise.all([buildServices(), startInfluxd()])
    influx = server
    const registryFile = join(tmp, 'registry.json')
    await writeFile(
      registryFile,
      JSON.stringify({
        version: 1,
        sites: [{ id: SITE.id, name: '江华 process-test slope', hazardType: 'landslide', county: SITE.county, location: { lon: 111.58, lat: 25.18 } }],
        devices: [{ id: GAUGE.id, siteId: SITE.id, dialect: 'native', secret: GAUGE.secret, sensors: [{ id: 'YL1', type: 'rain' }] }]
      })
    )
    stack = new LocalStack(compose, group, app, {
      dotEnv: { ...DOT_ENV, REGISTRY_FILE: registryFile },
      volumesDir: join(tmp, 'volumes'),
      influxUrl: influx.url,
      influxBucket: `${DB}/${RP}`
    })
    try {
      const init = await stack.init()
      expect(init.output).toContain('imported 1 sites and 1 devices')
      expect(init.output).toContain('created admin admin')
      broker = await stack.start('broker')
      ;[ingest, rules, dashboard] = await Promise.all([stack.start('ingest'), stack.start('rules'), stack.start('dashboard')])
      dashboardUrl = String((await dashboard.waitForLog((r) => r.msg === 'dashboard listening', 'its url')).url)
    } catch (err) {
      await group.saveLogs()
      throw err
    }
  }, 180_000)

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await group.saveLogs()
  })

  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await Promise.all(clients.map((c) => c.endAsync()))
    await group.stopAll()
    await influx?.close()
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true })
  }, 60_000)

  test('init runs again at every `docker compose up`: the import repeats, no second account', async () => {
    const again = await stack.init()
    expect(again.output).toContain('imported 1 sites and 1 devices')
    expect(again.output).toContain('the platform DB has 1 account(s): none created (--if-none)')
  })

  test('the compose health checks pass against the running services', async () => {
    // Where a container's check reads its service's port, give it the one the process bound.
    const checkEnv: Record<string, Record<string, string>> = {
      broker: { ...stack.env('broker'), GEOWARN_MQTT_PORT: String(stack.brokerPort) },
      ingest: stack.env('ingest'),
      rules: stack.env('rules'),
      dashboard: { ...stack.env('dashboard'), GEOWARN_HTTP_PORT: new URL(dashboardUrl).port }
    }
    const pids: Record<string, number> = { broker: broker.pid, ingest: ingest.pid, rules: rules.pid, dashboard: dashboard.pid }
    // In a container the service is process 1, which the ingest and rules checks are given.
    const check = (name: string, pid: number): Promise<RunResult> =>
      runCommand(
        healthcheckCommand(compose, name, DOT_ENV).map((a) => (a === '1' ? String(pid) : a)),
        { cwd: stack.app, env: checkEnv[name] ?? {}, timeoutMs: 10_000 }
      )
    for (const name of GEOWARN_SERVICES) {
      const r = await check(name, pids[name] ?? 0)
      expect(r.code, `${name} health check: ${r.output}`).toBe(0)
    }
    // And the connection check does fail: influxd holds no connection to the broker.
    expect((await check('ingest', influx.pid ?? 0)).code).toBe(1)
  })

  test('a gauge’s rain reaches InfluxDB through ingest, and a warning reaches the dashboard through rules', async () => {
    const login = await fetch(`${dashboardUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // The first account, made by the init service from GEOWARN_NEW_PASSWORD.
      body: JSON.stringify({ username: 'admin', password: DOT_ENV.GEOWARN_NEW_PASSWORD })
    })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(dashboardUrl, { auth: { token }, transports: ['websocket'], reconnection: false })
    sockets.push(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('session', () => resolve())
      socket.once('connect_error', reject)
    })
    const warning = new Promise<AlertEvent>((resolve) => {
      socket.on('alert', (e) => {
        if (e.alert.siteId === SITE.id && levelRank(e.alert.level) >= levelRank('yellow')) resolve(e)
      })
    })

    // 50 mm in each of three hours: the 1 h sum is at yellow (45 mm, config/rules-default.json)
    // three evaluations running, which the 3-of-5 persistence asks for.
    const gauge = await mqtt.connectAsync(`mqtt://127.0.0.1:${stack.brokerPort}`, { clientId: GAUGE.id, username: GAUGE.id, password: GAUGE.secret, reconnectPeriod: 0 })
    clients.push(gauge)
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 3 * H
    const times = [0, 1, 2].map((h) => t0 + h * H)
    for (const [i, ts] of times.entries()) {
      const data: NativeData = { v: 1, seq: i + 1, readings: [{ sensor: 'YL1', type: 'rain', ts: new Date(ts).toISOString(), fields: { intervalMm: 50 } }] }
      await gauge.publishAsync(`gh/dev/${GAUGE.id}/data`, JSON.stringify(data), { qos: 1 })
    }

    const event = await warning
    expect(event.alert).toMatchObject({ siteId: SITE.id, county: SITE.county, level: 'yellow' })

    const rows = async (): Promise<unknown[][]> =>
      (await influxQuery(influx.url, DB, `SELECT "intervalMm", "device", "sensor" FROM "${DB}"."${RP}"."reading" WHERE "site" = '${SITE.id}'`)).map((r) => [r.time, r.device, r.sensor, r.intervalMm])
    await expect.poll(rows, { timeout: 15_000, interval: 200 }).toHaveLength(3)
    expect(await rows()).toEqual(times.map((ts) => [ts, GAUGE.id, 'YL1', 50]))

    const alerts = await fetch(`${dashboardUrl}/api/alerts?state=open`, { headers: { authorization: `Bearer ${token}` } })
    expect(((await alerts.json()) as { alerts: Array<{ id: string }> }).alerts.map((a) => a.id)).toContain(event.alert.id)

    // The dashboard reports the stores, and ingest's spool as ingest reported it over MQTT.
    const health = (await (await fetch(`${dashboardUrl}/api/health`)).json()) as Record<string, unknown>
    const ingestKey = `ingest/${stack.env('ingest').GEOWARN_INGEST_CLIENT_ID}`
    expect(health).toMatchObject({
      status: 'ok',
      broker: { connected: true },
      readingsStore: { kind: 'influxdb', ok: true },
      platformDb: { ok: true },
      services: { [ingestKey]: { source: 'mqtt', online: true, stale: false } },
      spools: [{ key: ingestKey, state: 'empty' }]
    })
  }, 60_000)

  test('SIGTERM, as `docker compose stop` sends it, stops every service cleanly', async () => {
    for (const p of [dashboard, rules, ingest, broker]) expect(await p.stop(), p.name).toEqual({ code: 0, signal: null })
  })
})
