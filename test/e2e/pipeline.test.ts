import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import type { Browser } from 'playwright-core'
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPlatform, type Platform } from '../../cli/launcher.js'
import { DEMO_REGISTRY, DEMO_SCENARIO } from '../../cli/start.js'
import { buildSim, type SimHandle } from '../../device-sim/app.js'
import { parseSimConfig } from '../../device-sim/config.js'
import { loadRegistryFile } from '../../device-sim/registry-file.js'
import { loadScenario } from '../../device-sim/scenario.js'
import { levelRank, type AlertEvent, type ClientToServerEvents, type ServerToClientEvents } from '../../domain/index.js'
import { buildWebApp, haveChromium, launchChromium, requireChromium } from './chromium.js'

/**
 * The whole pipeline on the embedded default, as `npm run demo` runs it: the simulator's stations
 * → our broker (auth, ACL, rewrite) → ingest (SQLite) and rules → the dashboard, which pushes the
 * warning to a county officer's socket and to the alert feed in a real browser.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const resultsDir = join(repoRoot, 'test-results')
// 汶川县 (Wenchuan): the storm scenario's rain falls there (config/scenarios/storm.json).
const WENCHUAN = '513221'
const OFFICER = { username: 'wenchuan', password: 'duty-officer-513221', role: 'duty_officer', region: WENCHUAN, displayName: '汶川县值班员' } as const
// 江华 (Hunan) has no site in the demo registry: its officer must see nothing of Wenchuan.
const OTHER = { username: 'jianghua', password: 'duty-officer-431129', role: 'duty_officer', region: '431129', displayName: '江华县值班员' } as const

requireChromium('pipeline')

describe('simulator → broker → ingest and rules → dashboard', () => {
  let dataDir: string
  let platform: Platform
  let sim: SimHandle | undefined
  const sockets: Socket[] = []

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'geowarn-e2e-'))
    const webRoot = haveChromium ? await buildWebApp(repoRoot) : join(dataDir, 'no-web')
    platform = await startPlatform({
      env: {
        GEOWARN_DATA_DIR: dataDir,
        GEOWARN_HTTP_HOST: '127.0.0.1',
        GEOWARN_HTTP_PORT: '0',
        GEOWARN_MQTT_HOST: '127.0.0.1',
        GEOWARN_MQTT_PORT: '0',
        GEOWARN_MQTT_WS_PORT: '0',
        GEOWARN_WEB_ROOT: webRoot
      },
      log: pino({ level: 'silent' }),
      registryFile: join(repoRoot, DEMO_REGISTRY)
    })
    platform.db.createUser(OFFICER)
    platform.db.createUser(OTHER)
  }, 120_000)

  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await sim?.close()
    await platform?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  async function login(user: { username: string; password: string }): Promise<string> {
    const res = await fetch(`${platform.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password })
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { token: string }).token
  }

  async function connect(token: string): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(platform.httpUrl, { auth: { token }, transports: ['websocket'], reconnection: false })
    sockets.push(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('session', () => resolve())
      socket.once('connect_error', reject)
    })
    return socket
  }

  test('a storm in Wenchuan reaches its officer as a yellow-or-higher warning, and the readings are stored', async () => {
    const officer = await connect(await login(OFFICER))
    const other = await connect(await login(OTHER))
    const seenByOther: AlertEvent[] = []
    other.on('alert', (e) => seenByOther.push(e))
    const warning = new Promise<AlertEvent>((resolve) => {
      officer.on('alert', (e) => {
        if (levelRank(e.alert.level) >= levelRank('yellow')) resolve(e)
      })
    })

    const config = parseSimConfig({
      mqttUrl: platform.mqttUrl,
      registryPath: join(repoRoot, DEMO_REGISTRY),
      scenarioPath: join(repoRoot, DEMO_SCENARIO),
      durationS: 60
    })
    if (!config.ok) throw new Error(config.reason)
    const [registry, scenario] = await Promise.all([loadRegistryFile(config.value.registryPath), loadScenario(config.value.scenarioPath)])
    if (!registry.ok || !scenario.ok) throw new Error('demo registry or scenario does not load')
    // Only Wenchuan's stations: the scenario replays their last 6 h of storm as buffered uploads.
    const wenchuanSites = registry.value.sites.filter((s) => s.county === WENCHUAN).map((s) => s.id)
    sim = await buildSim({ ...config.value, sites: wenchuanSites }, { log: pino({ level: 'silent' }), registry: registry.value, scenario: scenario.value })

    const event = await warning
    expect(event.alert.county).toBe(WENCHUAN)
    expect(wenchuanSites).toContain(event.alert.siteId)
    const evidence = event.alert.history.at(-1)?.evidence ?? []
    expect(evidence.length).toBeGreaterThan(0)
    // Every threshold was reached; the failure forecast counts down (hours to t_f ≤ 24), so it is the exception.
    expect(evidence.filter((e) => !e.indicator.startsWith('forecast.')).every((e) => e.value >= e.threshold)).toBe(true)

    // Written before it was published (design.md "Delivery guarantees").
    // (The storm may already have raised the same alert further by the time we look: at least this level.)
    expect(levelRank(platform.db.getAlert(event.alert.id)?.level ?? 'none')).toBeGreaterThanOrEqual(levelRank(event.alert.level))

    // The readings behind it are in the readings store, placed by the broker's rewrite.
    const stored = await platform.readings.query({ siteId: event.alert.siteId, from: 0, to: Date.now() + 1 })
    expect(stored.length).toBeGreaterThan(0)
    expect(stored.every((r) => r.county === WENCHUAN && r.siteId === event.alert.siteId)).toBe(true)
    const rain = stored.filter((r) => r.type === 'rain')
    expect(rain.length).toBeGreaterThan(12)

    // Every message the stations published was accepted: auth, ACL and rewrite let them through.
    const brokerStats = platform.broker?.stats()
    expect(brokerStats?.authFailures).toBe(0)
    expect(brokerStats?.deniedPublishes).toBe(0)
    expect(seenByOther).toEqual([])
  }, 90_000)

  test.skipIf(!haveChromium)('the warning shows in the alert feed of a browser, with the rain chart behind it', async () => {
    await mkdir(resultsDir, { recursive: true })
    let browser: Browser | undefined
    try {
      browser = await launchChromium()
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      page.setDefaultTimeout(15_000)
      await page.goto(platform.httpUrl ?? '')
      await page.getByTestId('login-username').fill(OFFICER.username)
      await page.getByTestId('login-password').fill(OFFICER.password)
      await page.getByTestId('login-submit').click()
      const item = page.locator('[data-testid="alert-item"]').first()
      await item.waitFor()
      expect(['yellow', 'orange', 'red']).toContain(await item.getAttribute('data-level'))
      await page.screenshot({ path: join(resultsDir, 'pipeline-feed.png') })

      const alertId = await item.getAttribute('data-alert-id')
      const alert = platform.db.getAlert(alertId ?? '')
      expect(alert?.county).toBe(WENCHUAN)
      await page.goto(`${platform.httpUrl}/#/site/${alert?.siteId}`)
      await page.getByTestId('site-page').waitFor()
      await page.locator('[data-testid="chart-rain"] canvas').first().waitFor()
      await page.screenshot({ path: join(resultsDir, 'pipeline-site.png') })
    } finally {
      await browser?.close()
    }
  }, 60_000)
})
