import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pino from 'pino'
import { buildBroker, type BrokerHandle } from '../broker/app.js'
import { brokerConfigSchema } from '../broker/config.js'
import { buildDashboard, type DashboardHandle } from '../dashboard/app.js'
import { defaultWebRoot, parseConfig } from '../dashboard/config.js'
import type { PlatformDb } from '../store/platform-db.js'
import type { ReadingsStore } from '../store/readings-store.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../store/sqlite-readings-store.js'
import { FanoutClients, type FanoutSample } from './dashboard-fanout.js'
import { launchBrowser, paintOnce, paintUnavailable, usefulTarget, type PaintSample } from './dashboard-paint.js'
import { BENCH_PASSWORD, buildWorld, FANOUT_USERS, NATION_ADMIN, seededCounts, seedWorld, type World } from './dashboard-world.js'
import { spread, type Figure, type SuiteOptions, type SuiteResult } from './stats.js'

/**
 * Issue 5's two dashboard figures. The whole server side is real and in this process: our broker
 * (auth, ACL), the dashboard (Fastify, Socket.IO, the MQTT live feed) and a SQLite platform DB file
 * seeded with a synthetic registry (dashboard-world.ts).
 *  - Time to first useful paint of the overview as the national administrator, in headless
 *    Chromium (dashboard-paint.ts defines "useful"), and the sizes of what it loads.
 *  - Fan-out of one alert, published on MQTT as the rules service does, to N authenticated
 *    dashboard sockets of every jurisdiction above the alert's county (dashboard-fanout.ts).
 */

const SECRET = 'bench-dashboard-secret'
/** Issue 5: "fan-out latency … p99 under 200 ms on this machine". */
const FANOUT_GOAL_P99_MS = 200

interface Plan {
  sites: number
  paintRuns: number
  apiRuns: number
  sockets: number
  alerts: number
  /** Runs and alerts done first and not counted: JIT, first-time caches, the browser's first start. */
  warmup: number
}

const FULL: Plan = { sites: 10_000, paintRuns: 5, apiRuns: 9, sockets: 500, alerts: 20, warmup: 2 }
const QUICK: Plan = { sites: 300, paintRuns: 2, apiRuns: 3, sockets: 20, alerts: 3, warmup: 1 }

interface Stack {
  dir: string
  db: PlatformDb
  readings: ReadingsStore
  broker: BrokerHandle
  dashboard: DashboardHandle
  webRoot: string
  close(): Promise<void>
}

async function startStack(world: World): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'geowarn-bench-dashboard-'))
  const db = openPlatformDb(join(dir, 'platform.db'))
  const readings = openSqliteReadingsStore(':memory:')
  const log = pino({ level: 'silent' })
  const undo: Array<() => Promise<void> | void> = [() => rm(dir, { recursive: true, force: true }), () => db.close(), () => readings.close()]
  const close = async (): Promise<void> => {
    for (const step of undo.reverse()) await step()
  }
  try {
    seedWorld(db, world)
    const broker = await buildBroker(brokerConfigSchema.parse({ host: '127.0.0.1', mqttPort: 0, wsPort: null, dataDir: dir, serviceSecret: SECRET }), { db, log })
    undo.push(() => broker.close())
    const webRoot = process.env.GEOWARN_WEB_ROOT ?? defaultWebRoot()
    const dashboard = await buildDashboard(
      parseConfig({ httpHost: '127.0.0.1', httpPort: 0, webRoot, mqttUrl: `mqtt://127.0.0.1:${broker.mqttPort}`, mqttUsername: 'svc:dashboard', mqttPassword: SECRET }),
      { db, readings, log }
    )
    undo.push(() => dashboard.close())
    return { dir, db, readings, broker, dashboard, webRoot, close }
  } catch (err) {
    await close()
    throw err
  }
}

async function login(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: BENCH_PASSWORD }) })
  if (!res.ok) throw new Error(`login as ${username}: HTTP ${res.status}`)
  return ((await res.json()) as { token: string }).token
}

/** Bytes of the body as sent (no compression on the wire here) and the time to receive it whole. */
async function getBody(url: string, token: string): Promise<{ bytes: number; ms: number }> {
  const started = performance.now()
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  const body = await res.arrayBuffer()
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return { bytes: body.byteLength, ms: performance.now() - started }
}

const one = (value: number) => spread([value])

async function measureApi(stack: Stack, plan: Plan, token: string): Promise<Figure[]> {
  const sitesUrl = `${stack.dashboard.url}/api/sites?region=000000`
  const regionsUrl = `${stack.dashboard.url}/api/regions`
  const offlineUrl = `${stack.dashboard.url}/api/devices/offline?region=000000`
  const sites: number[] = []
  const regions: number[] = []
  const offline: number[] = []
  let sitesBytes = 0
  let regionsBytes = 0
  for (let i = 0; i < plan.warmup + plan.apiRuns; i++) {
    const s = await getBody(sitesUrl, token)
    const r = await getBody(regionsUrl, token)
    const o = await getBody(offlineUrl, token)
    sitesBytes = s.bytes
    regionsBytes = r.bytes
    if (i < plan.warmup) continue
    sites.push(s.ms)
    regions.push(r.ms)
    offline.push(o.ms)
  }
  return [
    { name: '/api/sites payload (national)', unit: 'bytes', value: one(sitesBytes) },
    { name: '/api/regions payload (national)', unit: 'bytes', value: one(regionsBytes) },
    { name: 'GET /api/sites, request → whole body', unit: 'ms', value: spread(sites) },
    { name: 'GET /api/regions, request → whole body', unit: 'ms', value: spread(regions) },
    // The overview's third request; the Node event loop is one, so its time delays the others.
    { name: 'GET /api/devices/offline, request → whole body', unit: 'ms', value: spread(offline) }
  ]
}

async function measurePaint(stack: Stack, world: World, plan: Plan): Promise<Figure[]> {
  const browser = await launchBrowser()
  try {
    const target = usefulTarget(seededCounts(world), world.provinces)
    const samples: PaintSample[] = []
    for (let i = 0; i < plan.warmup + plan.paintRuns; i++) {
      const s = await paintOnce(browser, stack.dashboard.url, NATION_ADMIN.username, BENCH_PASSWORD, target)
      if (i >= plan.warmup) samples.push(s)
    }
    const n = plan.sites.toLocaleString('en')
    return [
      { name: `overview useful, ${n} sites`, unit: 'ms', value: spread(samples.map((s) => s.usefulMs)) },
      { name: '… of which /api/sites received', unit: 'ms', value: spread(samples.map((s) => s.sitesArrivedMs)) },
      { name: '/api/sites fetches before useful', unit: 'requests', value: spread(samples.map((s) => s.sitesFetches)) }
    ]
  } finally {
    await browser.close()
  }
}

async function measureFanout(stack: Stack, world: World, plan: Plan): Promise<{ figures: Figure[]; notes: string[] }> {
  const tokens = await Promise.all(FANOUT_USERS.map((u) => login(stack.dashboard.url, u.username)))
  const { clients, connectMs } = await FanoutClients.start({
    url: stack.dashboard.url,
    mqttUrl: `mqtt://127.0.0.1:${stack.broker.mqttPort}`,
    mqttPassword: SECRET,
    tokens,
    sockets: plan.sockets
  })
  const samples: FanoutSample[] = []
  try {
    for (let i = 0; i < plan.warmup + plan.alerts; i++) {
      const site = world.fanoutSites[i % world.fanoutSites.length]
      if (site === undefined) throw new Error('the world has no site in the fan-out county')
      const s = await clients.alert(stack.db, site, Date.now())
      if (s.missed > 0) throw new Error(`alert ${i}: ${s.missed} of ${plan.sockets} sockets did not receive it within 10 s`)
      if (i >= plan.warmup) samples.push(s)
    }
  } finally {
    await clients.close()
  }
  const p99 = spread(samples.map((s) => s.p99))
  const label = `alert → ${plan.sockets} sockets`
  return {
    figures: [
      { name: `${label}, p50`, unit: 'ms', value: spread(samples.map((s) => s.p50)) },
      { name: `${label}, p99`, unit: 'ms', value: p99 },
      { name: `${label}, last socket`, unit: 'ms', value: spread(samples.map((s) => s.max)) }
    ],
    notes: [
      `fan-out: ${plan.sockets} Socket.IO clients (WebSocket) over ${FANOUT_USERS.length} accounts from the nation down to county ${world.fanoutSites[0]?.county ?? '?'}, all in the alert's chain; ` +
        `connected in ${Math.round(connectMs)} ms; clients and the publishing "rules" MQTT client in one worker thread, broker + dashboard in the main thread`,
      `fan-out: per alert, from just before the MQTT publish (QoS 1, then the retained alert-state) to each socket's \`alert\` event; ${plan.alerts} alerts after ${plan.warmup} warm-up, 250 ms apart; every socket got every alert`,
      `fan-out goal p99 < ${FANOUT_GOAL_P99_MS} ms: ${p99.max < FANOUT_GOAL_P99_MS ? 'met' : p99.median < FANOUT_GOAL_P99_MS ? 'met at the median, missed by the worst alert' : 'NOT met'} (worst alert's p99 ${Math.round(p99.max)} ms)`
    ]
  }
}

/** `geowarn bench --only dashboard`: overview paint with 10,000 sites, alert fan-out to 500 sockets. */
export async function benchDashboard(opts: SuiteOptions): Promise<SuiteResult> {
  const plan = opts.quick ? QUICK : FULL
  const world = buildWorld(plan.sites, Date.now())
  const stack = await startStack(world)
  try {
    const figures: Figure[] = []
    const notes: string[] = [
      `world: ${plan.sites.toLocaleString('en')} sites (one rain gauge each) over the real counties of ${world.provinces} provinces, ${world.alerts.length} active alerts of every level; SQLite platform DB file`
    ]
    const unavailable = paintUnavailable(stack.webRoot)
    if (unavailable === null) {
      figures.push(...(await measurePaint(stack, world, plan)))
      notes.push(
        `paint: headless Chromium 1366×768, cold cache, signed in as the national admin; navigation start → the first frame with the level counts, the region list, the site list and every map point drawn (dashboard-paint.ts); ${plan.paintRuns} runs after ${plan.warmup} warm-up`
      )
    } else {
      notes.push(`paint: SKIPPED, ${unavailable}`)
    }
    const nationToken = await login(stack.dashboard.url, NATION_ADMIN.username)
    figures.push(...(await measureApi(stack, plan, nationToken)))
    const fanout = await measureFanout(stack, world, plan)
    figures.push(...fanout.figures)
    notes.push(...fanout.notes)
    const sitesBytes = figures.find((f) => f.name.startsWith('/api/sites payload'))?.value.median ?? 0
    notes.push(`api: /api/sites is ${Math.round(sitesBytes / plan.sites)} bytes per site, uncompressed (no compression on the dashboard's responses)`)
    return { suite: 'dashboard', figures, notes }
  } finally {
    await stack.close()
  }
}
