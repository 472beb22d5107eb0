import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPlatform, type Platform } from '../../cli/launcher.js'
import { DEMO_ADMIN, DEMO_REGISTRY, DEMO_SCENARIO } from '../../cli/start.js'
import { buildSim, type SimHandle } from '../../device-sim/app.js'
import { parseSimConfig } from '../../device-sim/config.js'
import { loadRegistryFile } from '../../device-sim/registry-file.js'
import { loadScenario } from '../../device-sim/scenario.js'
import { ALERT_LEVELS, type ClientToServerEvents, type RegistryFile, type ServerToClientEvents } from '../../domain/index.js'
import { buildWebApp, haveChromium, launchChromium, requireChromium } from './chromium.js'

/**
 * Issue 5's browser check on the whole platform as `npm run demo` runs it (broker, ingest, rules,
 * dashboard on a temp data folder; the simulator replaying the storm scenario): two duty officers
 * of 汶川 see a warning arrive live, one acknowledges it and the other sees that live; an officer
 * of a quiet county finds nothing of 汶川 through the page, the API or a hand-crafted socket.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const resultsDir = join(repoRoot, 'test-results')
// 汶川县 (Wenchuan): the storm scenario's rain falls there (config/scenarios/storm.json).
const WENCHUAN = '513221'
// 水城区 (Liupanshui, Guizhou): demo sites, no storm in the scenario. Its officer must see nothing of Wenchuan.
const SHUICHENG = '520204'
const QUIET_SITE = 'site-520204-01'
const PASSWORD = 'storm-duty-2026'
const OFFICER_1 = { username: 'wenchuan-day', password: PASSWORD, role: 'duty_officer', region: WENCHUAN, displayName: '汶川县值班员（白班）' } as const
const OFFICER_2 = { username: 'wenchuan-night', password: PASSWORD, role: 'duty_officer', region: WENCHUAN, displayName: '汶川县值班员（夜班）' } as const
const OUTSIDER = { username: 'shuicheng', password: PASSWORD, role: 'duty_officer', region: SHUICHENG, displayName: '水城区值班员' } as const
const NOT_FOUND_ZH = '未找到该隐患点，或不在您的辖区内'

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>
interface Seen {
  event: string
  payload: string
}

requireChromium('duty-officers')

describe.skipIf(!haveChromium)('duty officers during the storm: live, acknowledged, scoped', () => {
  let dataDir: string
  let webRoot: string
  let platform: Platform
  let browser: Browser
  let sim: SimHandle | undefined
  let registry: RegistryFile
  const contexts: BrowserContext[] = []
  const sockets: ClientSocket[] = []
  let page1: Page
  let page2: Page
  // Set by the first test: the warning both officers saw.
  let warnedAlertId = ''
  let warnedSiteId = ''
  // Everything the hand-crafted sockets received from before the storm to the end of the run.
  const outsiderEvents: Seen[] = []
  const insiderEvents: Seen[] = []
  const outsiderAcks: Array<{ siteId: string; res: unknown }> = []
  const timings: Record<string, number> = {}
  const t0 = Date.now()
  const mark = (name: string): void => {
    timings[name] = Date.now() - t0
  }

  // The page answers within a second or two; the margin is for a loaded CI machine.
  const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 })
  const feedItem = (page: Page, alertId: string) => page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`)
  const wenchuanSites = (): string[] => registry.sites.filter((s) => s.county === WENCHUAN).map((s) => s.id)

  /** Whatever identifies Wenchuan: its code, its name, its sites, their names and devices, its alerts. */
  function wenchuanMarkers(): string[] {
    const sites = registry.sites.filter((s) => s.county === WENCHUAN)
    const siteIds = new Set(sites.map((s) => s.id))
    const devices = registry.devices.filter((d) => siteIds.has(d.siteId)).map((d) => d.id)
    const alerts = platform.db.listAlerts({ scope: WENCHUAN }).map((a) => a.id)
    return [WENCHUAN, '汶川', ...siteIds, ...sites.map((s) => s.name), ...devices, ...alerts]
  }
  const leaksIn = (text: string): string[] => wenchuanMarkers().filter((m) => text.includes(m))

  async function login(user: { username: string; password: string }): Promise<string> {
    const res = await fetch(`${platform.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password })
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { token: string }).token
  }

  /** A socket as a script would open it: the bearer token, every event recorded raw. */
  async function handCraftedSocket(token: string, into: Seen[]): Promise<ClientSocket> {
    const socket: ClientSocket = io(platform.httpUrl, { auth: { token }, transports: ['websocket'], reconnection: false })
    sockets.push(socket)
    socket.onAny((event: string, ...args: unknown[]) => into.push({ event, payload: JSON.stringify(args) }))
    await new Promise<void>((resolve, reject) => {
      socket.once('session', () => resolve())
      socket.once('connect_error', reject)
    })
    return socket
  }

  const watch = (socket: ClientSocket, siteId: string): Promise<unknown> =>
    new Promise((resolve) => {
      socket.emit('watch-site', siteId, (res) => resolve(res))
    })

  async function openPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.error('[page error]', err))
    return page
  }

  async function signIn(page: Page, user: { username: string; password: string }): Promise<void> {
    await page.goto(platform.httpUrl ?? '')
    await page.getByTestId('login-username').fill(user.username)
    await page.getByTestId('login-password').fill(user.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('overview').waitFor()
    await poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live')
    // A reload or navigation away would drop this: the live checks below assert it is still there.
    await page.evaluate(() => {
      ;(window as unknown as { dutyMarker?: string }).dutyMarker = 'no-reload'
    })
  }
  /**
   * Click a feed button as an officer would during a storm: orange and red toasts stay until
   * closed and, stacked four high at 1366×768, they cover the lower feed items; close them first.
   * A raise may bring a new toast between the closing and the click: then again.
   */
  async function clickPastToasts(page: Page, button: Locator): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const toasts = page.getByTestId('toast')
      for (let n = await toasts.count(); n > 0; n = await toasts.count()) await toasts.first().locator('button').last().click()
      try {
        await button.click({ timeout: 1500 })
        return
      } catch {
        // A toast arrived in between; close it too.
      }
    }
    throw new Error('the button stayed covered')
  }
  const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { dutyMarker?: string }).dutyMarker)

  beforeAll(async () => {
    await mkdir(resultsDir, { recursive: true })
    dataDir = await mkdtemp(join(tmpdir(), 'geowarn-duty-'))
    const [builtWeb, loaded] = await Promise.all([buildWebApp(repoRoot), loadRegistryFile(join(repoRoot, DEMO_REGISTRY))])
    webRoot = builtWeb
    if (!loaded.ok) throw new Error(loaded.reason)
    registry = loaded.value
    mark('web built')
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
    platform.db.createUser({ ...DEMO_ADMIN, role: 'admin', region: '000000', displayName: '演示管理员' })
    for (const u of [OFFICER_1, OFFICER_2, OUTSIDER]) platform.db.createUser(u)
    browser = await launchChromium()
    mark('platform up')
  }, 120_000)

  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    for (const c of contexts) await c.close()
    await browser?.close()
    await sim?.close()
    await platform?.close()
    await rm(dataDir, { recursive: true, force: true })
    if (webRoot !== undefined) await rm(webRoot, { recursive: true, force: true })
    mark('closed')
    console.log(`[duty-officers] ms since start: ${JSON.stringify(timings)}`)
  })

  test('a warning raised by the simulator appears live in the feeds of two officers of the county', async () => {
    // The hand-crafted sockets listen from before the storm, so they cover all of it.
    const outsiderSocket = await handCraftedSocket(await login(OUTSIDER), outsiderEvents)
    const insiderSocket = await handCraftedSocket(await login(OFFICER_1), insiderEvents)
    // Its own quiet site is granted: the refusals below are about scope, not a broken watch.
    expect(await watch(outsiderSocket, QUIET_SITE)).toEqual({ ok: true })
    for (const siteId of wenchuanSites()) {
      outsiderAcks.push({ siteId, res: await watch(outsiderSocket, siteId) })
      expect(await watch(insiderSocket, siteId)).toEqual({ ok: true })
    }

    page1 = await openPage()
    page2 = await openPage()
    await Promise.all([signIn(page1, OFFICER_1), signIn(page2, OFFICER_2)])
    // Nothing yet: whatever appears next came live.
    for (const page of [page1, page2]) {
      expect(await page.getByTestId('alert-feed').getByTestId('alert-item').count()).toBe(0)
      expect(await page.getByTestId('alert-feed-empty').isVisible()).toBe(true)
    }
    mark('signed in')

    const config = parseSimConfig({
      mqttUrl: platform.mqttUrl,
      registryPath: join(repoRoot, DEMO_REGISTRY),
      scenarioPath: join(repoRoot, DEMO_SCENARIO),
      durationS: 120
    })
    if (!config.ok) throw new Error(config.reason)
    const scenario = await loadScenario(config.value.scenarioPath)
    if (!scenario.ok) throw new Error(scenario.reason)
    // Wenchuan's stations, and one quiet Shuicheng site so that its officer has a live county too.
    sim = await buildSim({ ...config.value, sites: [...wenchuanSites(), QUIET_SITE] }, { log: pino({ level: 'silent' }), registry, scenario: scenario.value })

    const first1 = page1.getByTestId('alert-feed').getByTestId('alert-item').first()
    await first1.waitFor({ timeout: 45_000 })
    mark('first warning on page 1')
    warnedAlertId = (await first1.getAttribute('data-alert-id')) ?? ''
    const stored = platform.db.getAlert(warnedAlertId)
    expect(stored?.county).toBe(WENCHUAN)
    warnedSiteId = stored?.siteId ?? ''
    expect(wenchuanSites()).toContain(warnedSiteId)
    // Whichever level the storm reached first (the feed shows blue 注意级 notices too).
    expect(ALERT_LEVELS).toContain(await first1.getAttribute('data-level'))

    const item2 = feedItem(page2, warnedAlertId)
    await item2.waitFor()
    mark('same warning on page 2')
    const siteName = registry.sites.find((s) => s.id === warnedSiteId)?.name ?? warnedSiteId
    await poll(() => item2.innerText()).toContain(siteName)
    for (const page of [page1, page2]) expect(await notReloaded(page)).toBe('no-reload')

    // The overview counts it too, without a reload.
    await poll(async () => {
      const counts = page1.getByTestId('level-counts')
      let n = 0
      for (const level of ALERT_LEVELS) n += Number(await counts.locator(`[data-level="${level}"]`).getAttribute('data-count'))
      return n
    }).toBeGreaterThan(0)
    await page1.screenshot({ path: join(resultsDir, 'duty-overview.png') })
  }, 90_000)

  test('officer 1 acknowledges it in the page; officer 2 sees the change live; the audit log has it', async () => {
    expect(warnedAlertId).not.toBe('')
    const item1 = feedItem(page1, warnedAlertId)
    const item2 = feedItem(page2, warnedAlertId)
    // Every state page 2 shows for the alert, in order. The storm may raise the alert again right
    // after the acknowledgement (a raise calls again: back to open), so a poll of the current
    // state alone could miss the acknowledged one.
    await page2.evaluate((id) => {
      const states: string[] = []
      const w = window as unknown as { dutyStates: string[]; dutyAckSeenAt?: number }
      w.dutyStates = states
      const feed = document.querySelector('[data-testid="alert-feed"]')
      if (feed === null) throw new Error('no feed')
      new MutationObserver(() => {
        const el = feed.querySelector<HTMLElement>(`[data-alert-id="${id}"]`)
        const s = el?.dataset.state
        if (s === undefined || states.at(-1) === s) return
        states.push(s)
        if (s === 'acknowledged') w.dutyAckSeenAt ??= Date.now()
      }).observe(feed, { subtree: true, attributes: true, attributeFilter: ['data-state'] })
    }, warnedAlertId)

    // Acknowledge: if a raise reopened it in between, the button is back; the test acknowledges
    // whatever open alert the page shows, as an officer would.
    await poll(() => item1.getAttribute('data-state')).toBe('open')
    const ackedAt = Date.now()
    await clickPastToasts(page1, item1.getByTestId('alert-ack'))
    mark('ack clicked')
    await poll(() => page2.evaluate(() => (window as unknown as { dutyStates: string[] }).dutyStates)).toContain('acknowledged')
    mark('ack seen on page 2')
    expect(await notReloaded(page2)).toBe('no-reload')
    // The page never shows a stale state as current: it settles on what the platform DB holds.
    await poll(async () => (await item2.getAttribute('data-state')) === platform.db.getAlert(warnedAlertId)?.state).toBe(true)
    const acks = platform.db.getAlert(warnedAlertId)?.actions.filter((a) => a.action === 'acknowledge') ?? []
    expect(acks.map((a) => a.by)).toContain(OFFICER_1.username)
    // From the server's acknowledgement to page 2 showing it (same machine, same clock).
    const seenAt = await page2.evaluate(() => (window as unknown as { dutyAckSeenAt?: number }).dutyAckSeenAt)
    timings['ack → page 2 (ms)'] = (seenAt ?? NaN) - (acks[0]?.at ?? NaN)
    // Page 2's overview follows the stations too: all of them report (the presence refetch trails a burst by 2 s).
    await poll(() => page2.getByTestId('offline-devices').getAttribute('data-count')).toBe('0')
    // The officer closes the toasts to see the whole feed; the screenshot shows it as they do.
    for (let n = await page2.getByTestId('toast').count(); n > 0; n = await page2.getByTestId('toast').count()) await page2.getByTestId('toast').first().locator('button').last().click()
    await page2.screenshot({ path: join(resultsDir, 'duty-feed.png') })

    // The audit log, as the demo administrator reads it over the API.
    const adminToken = await login(DEMO_ADMIN)
    const res = await fetch(`${platform.httpUrl}/api/audit?action=alert.acknowledge`, { headers: { authorization: `Bearer ${adminToken}` } })
    expect(res.status).toBe(200)
    const { entries } = (await res.json()) as { entries: Array<{ actor: string; action: string; target: string; at: number; detail: Record<string, unknown> }> }
    const entry = entries.find((e) => e.target === `alert:${warnedAlertId}`)
    expect(entry).toMatchObject({ actor: OFFICER_1.username, action: 'alert.acknowledge', detail: { siteId: warnedSiteId } })
    expect(entry?.at).toBeGreaterThanOrEqual(ackedAt - 1000)
    // An officer does not read the audit log.
    const officerRes = await fetch(`${platform.httpUrl}/api/audit`, { headers: { authorization: `Bearer ${await login(OFFICER_2)}` } })
    expect(officerRes.status).toBe(403)

    // The site page of the warned site, for the record.
    await page1.goto(`${platform.httpUrl}/#/site/${warnedSiteId}`)
    await poll(() => page1.getByTestId('site-name').innerText()).toBe(registry.sites.find((s) => s.id === warnedSiteId)?.name)
    await page1.locator('[data-testid="site-page"] canvas').first().waitFor()
    await page1.screenshot({ path: join(resultsDir, 'duty-site.png') })
  }, 60_000)

  test('an officer of another county finds nothing of Wenchuan: page, API, socket', async () => {
    expect(warnedSiteId).not.toBe('')
    const page = await openPage()
    // Everything the page receives: API bodies and socket frames.
    const received: string[] = []
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname
      if (path.startsWith('/api/') || path.startsWith('/socket.io/')) {
        r.text().then(
          (body) => received.push(`${r.url()} ${body}`),
          () => undefined
        )
      }
    })
    page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))))
    await signIn(page, OUTSIDER)

    // Overview: its own county, none of Wenchuan's warnings.
    await poll(() => page.getByTestId('breadcrumb').innerText()).toContain('水城')
    await poll(() => page.getByTestId('site-list').getByTestId('site-item').count()).toBeGreaterThan(0)
    const counts = page.getByTestId('level-counts')
    for (const level of ALERT_LEVELS) expect(await counts.locator(`[data-level="${level}"]`).getAttribute('data-count')).toBe('0')
    expect(await page.getByTestId('alert-feed').getByTestId('alert-item').count()).toBe(0)
    expect(await page.getByTestId('alert-feed-empty').isVisible()).toBe(true)
    expect(leaksIn(await page.locator('body').innerText())).toEqual([])
    await page.screenshot({ path: join(resultsDir, 'duty-other-overview.png') })

    // A typed URL of the warned site: the not-found message, nothing of the site.
    await page.goto(`${platform.httpUrl}/#/site/${warnedSiteId}`)
    await poll(() => page.getByTestId('site-page').innerText()).toContain(NOT_FOUND_ZH)
    expect(await page.getByTestId('site-name').count()).toBe(0)
    expect(leaksIn(await page.locator('body').innerText())).toEqual([])
    await page.screenshot({ path: join(resultsDir, 'duty-other-site.png') })
    // And a way back to the officer's own jurisdiction.
    await page.getByTestId('back-to-overview').click()
    await page.getByTestId('overview').waitFor()

    // The API with the officer's token: 404, or a body with nothing of Wenchuan.
    const token = await login(OUTSIDER)
    const get = async (path: string): Promise<{ status: number; body: string }> => {
      const res = await fetch(`${platform.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
      return { status: res.status, body: await res.text() }
    }
    for (const path of [`/api/sites/${warnedSiteId}`, `/api/sites/${warnedSiteId}/readings`, `/api/sites/${warnedSiteId}/readings?type=rain`, `/api/sites/${warnedSiteId}/rules`]) {
      const r = await get(path)
      expect({ path, status: r.status }).toEqual({ path, status: 404 })
      expect({ path, leaks: leaksIn(r.body.replaceAll(warnedSiteId, '')) }).toEqual({ path, leaks: [] })
    }
    for (const path of [
      '/api/alerts',
      `/api/alerts?siteId=${warnedSiteId}`,
      '/api/sites',
      `/api/sites?region=${WENCHUAN}`,
      '/api/stats',
      `/api/stats?region=${WENCHUAN}`,
      '/api/devices/offline',
      '/api/regions'
    ]) {
      const r = await get(path)
      expect({ path, status: r.status }).toEqual({ path, status: 200 })
      // The request's own echo of the code asked for is no leak; anything else from Wenchuan is.
      expect({ path, leaks: leaksIn(r.body.replaceAll(`"region":"${WENCHUAN}"`, '')) }).toEqual({ path, leaks: [] })
    }
    expect(((await get(`/api/alerts?siteId=${warnedSiteId}`)).body)).toBe('{"alerts":[]}')
    // Acting on the alert answers as if it did not exist, and changes nothing.
    const before = platform.db.getAlert(warnedAlertId)
    const ack = await fetch(`${platform.httpUrl}/api/alerts/${warnedAlertId}/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}'
    })
    expect(ack.status).toBe(404)
    expect(platform.db.getAlert(warnedAlertId)?.actions).toEqual(before?.actions)

    // The hand-crafted socket: every watch of a Wenchuan site was refused, exactly like an unknown site.
    expect(outsiderAcks.map((a) => a.siteId)).toEqual(wenchuanSites())
    for (const a of outsiderAcks) expect(a.res).toEqual({ ok: false, reason: `unknown site ${a.siteId}` })
    // A few more seconds of storm, until the insider's socket has new readings of the warned site:
    // proof the storm was still reporting while the outsider listened.
    const readingsOfWarned = () => insiderEvents.filter((e) => e.event === 'reading' && e.payload.includes(`"siteId":"${warnedSiteId}"`)).length
    const already = readingsOfWarned()
    await poll(readingsOfWarned, 20_000).toBeGreaterThan(already)
    mark('storm still reporting')
    expect(insiderEvents.some((e) => e.event === 'alert')).toBe(true)
    // From before the storm to now: the outsider's socket got its own site's data and nothing of Wenchuan.
    const outsiderLeaks = outsiderEvents.filter((e) => leaksIn(e.payload).length > 0)
    expect(outsiderLeaks).toEqual([])
    expect(outsiderEvents.some((e) => e.event === 'alert' || e.event === 'site-level')).toBe(false)
    expect(outsiderEvents.some((e) => e.event === 'reading' && e.payload.includes(`"siteId":"${QUIET_SITE}"`))).toBe(true)
    // The outsider's page heard nothing of Wenchuan either, in any API body or socket frame.
    expect(received.length).toBeGreaterThan(0)
    expect(received.filter((r) => leaksIn(r.replaceAll(warnedSiteId, '')).length > 0)).toEqual([])
    expect(await page.getByTestId('alert-feed').getByTestId('alert-item').count()).toBe(0)
  }, 60_000)
})
