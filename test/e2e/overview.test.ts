import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildDashboard, type DashboardHandle } from '../../dashboard/app.js'
import { parseConfig } from '../../dashboard/config.js'
import { provincePrefix, topics } from '../../domain/index.js'
import type { PlatformDb } from '../../store/platform-db.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { startBareBroker, type BareBroker } from '../support/bare-broker.js'
import { alertOf, HOUR_MS, HUNAN_OFFICER, JIANGHUA, LINGLING, PASSWORD, REGISTRY } from './browser-stack.js'
import { buildWebApp, haveChromium, launchChromium, requireChromium } from './chromium.js'

/**
 * The overview's boundary map and the statistics page in headless Chromium. The dashboard is
 * started here (not by browser-stack.ts) because it needs GEOWARN_MAP_GEOJSON: a synthetic file of
 * squares, never a real boundary map (deployments supply their approved one).
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const resultsDir = join(repoRoot, 'test-results')
const JIANGHUA_OFFICER = { username: 'jianghua', role: 'duty_officer', region: JIANGHUA, displayName: '江华值班员' } as const
/** 游仙区, Sichuan: outside Hunan, so no Hunan officer may receive its square. */
const YOUXIAN = '510704'

function square(props: Record<string, unknown>, lon: number, lat: number, halfDeg: number): unknown {
  const ring = [
    [lon - halfDeg, lat - halfDeg],
    [lon + halfDeg, lat - halfDeg],
    [lon + halfDeg, lat + halfDeg],
    [lon - halfDeg, lat + halfDeg],
    [lon - halfDeg, lat - halfDeg]
  ]
  return { type: 'Feature', properties: props, geometry: { type: 'Polygon', coordinates: [ring] } }
}

/** Two county squares around the registry's Jianghua and Lingling sites (one by `adcode`, one by `code`), and one in Sichuan. */
const GEOJSON = {
  type: 'FeatureCollection',
  features: [
    square({ adcode: Number(JIANGHUA), name: '江华瑶族自治县' }, 111.62, 25.22, 0.2),
    square({ code: LINGLING, name: '零陵区' }, 111.61, 26.22, 0.2),
    square({ adcode: YOUXIAN, name: '游仙区' }, 104.77, 31.48, 0.2)
  ]
}

requireChromium('overview')

describe.skipIf(!haveChromium)('overview boundary map and statistics in headless Chromium', () => {
  let broker: BareBroker
  let db: PlatformDb
  let readings: ReadingsStore
  let dashboard: DashboardHandle
  let rules: MqttClient
  let webRoot: string
  let mapDir: string
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    await mkdir(resultsDir, { recursive: true })
    webRoot = await buildWebApp(repoRoot)
    mapDir = await mkdtemp(join(tmpdir(), 'geowarn-map-'))
    const mapFile = join(mapDir, 'boundaries.geojson')
    await writeFile(mapFile, JSON.stringify(GEOJSON))

    broker = await startBareBroker()
    const now = Date.now()
    db = openPlatformDb(':memory:')
    readings = openSqliteReadingsStore(':memory:')
    db.importRegistry(REGISTRY)
    db.createUser({ ...HUNAN_OFFICER, password: PASSWORD })
    db.createUser({ ...JIANGHUA_OFFICER, password: PASSWORD })
    // Jianghua: one open orange warning; Lingling: a yellow one acknowledged after 12 minutes, since closed.
    const orange = alertOf('alert-a', 'site-a', JIANGHUA, 'orange', now - 2 * HOUR_MS)
    const acked = alertOf('alert-c', 'site-c', LINGLING, 'yellow', now - 26 * HOUR_MS, {
      state: 'resolved',
      resolvedAt: now - 20 * HOUR_MS,
      disposition: 'hazard_ended',
      actions: [{ at: now - 26 * HOUR_MS + 12 * 60_000, by: 'hunan', action: 'acknowledge' }]
    })
    db.saveAlert(orange)
    db.saveAlert(acked)
    db.setSiteLevel({ siteId: 'site-a', county: JIANGHUA, level: 'orange', alertId: 'alert-a', since: orange.updatedAt })

    dashboard = await buildDashboard(
      parseConfig({ httpHost: '127.0.0.1', httpPort: 0, webRoot, mqttUrl: broker.url, mqttUsername: 'svc:dashboard', mqttPassword: 'overview-test-secret', mapGeoJsonFile: mapFile }),
      { db, readings, log: pino({ level: process.env.GEOWARN_TEST_LOG ?? 'silent' }) }
    )
    // The broker's retained presence: two of Jianghua's devices online, dev-b1 offline; dev-c1 and dev-d1 never heard.
    rules = await mqtt.connectAsync(broker.url, { username: 'svc:rules', password: 'overview-test-secret', reconnectPeriod: 0 })
    const presence = async (siteId: string, county: string, deviceId: string, online: boolean): Promise<void> => {
      await rules.publishAsync(topics.presence({ prov: provincePrefix(county), county, siteId, deviceId }), JSON.stringify({ online, since: now - HOUR_MS }), { qos: 1, retain: true })
    }
    await presence('site-a', JIANGHUA, 'dev-a1', true)
    await presence('site-a', JIANGHUA, 'dev-a2', true)
    await presence('site-b', JIANGHUA, 'dev-b1', false)
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
    await rules?.endAsync()
    await dashboard?.close()
    await readings?.close()
    db?.close()
    await broker?.close()
    await rm(webRoot, { recursive: true, force: true })
    await rm(mapDir, { recursive: true, force: true })
  })

  const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 })

  async function signIn(user: { username: string }, viewport = { width: 1366, height: 768 }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    page.on('pageerror', (err) => console.error('[page error]', err))
    await page.goto(dashboard.url)
    await page.getByTestId('login-username').fill(user.username)
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('overview').waitFor()
    return page
  }

  test('regions are shaded by their highest active level; devices offline are counted and listed', async () => {
    const page = await signIn(HUNAN_OFFICER)
    const map = page.getByTestId('site-map')
    // Hunan: the file has counties only, so the counties are drawn; Sichuan's square never arrives.
    await poll(() => map.getAttribute('data-map')).toBe('regions')
    await poll(() => map.getAttribute('data-shaded')).toBe(`${JIANGHUA}:orange,${LINGLING}:none`)
    const served = await page.evaluate(async () => (await (await fetch('/api/regions/map')).json()) as { map: { features: Array<{ properties: { code: string } }> } })
    expect(served.map.features.map((f) => f.properties.code).sort()).toEqual([LINGLING, JIANGHUA].sort())

    const offline = page.getByTestId('offline-devices')
    // Five devices in Hunan; dev-b1 says offline, dev-c1 and dev-d1 were never heard.
    await poll(() => offline.getAttribute('data-count')).toBe('3')
    expect(await offline.getAttribute('data-total')).toBe('5')
    await offline.locator('summary').click()
    expect((await offline.getByTestId('offline-device').evaluateAll((els) => els.map((e) => e.getAttribute('data-device-id')))).sort()).toEqual(['dev-b1', 'dev-c1', 'dev-d1'])
    await page.screenshot({ path: join(resultsDir, 'overview-regions.png') })

    // A new red warning in Lingling reaches the shading without a reload.
    const red = alertOf('alert-red', 'site-c', LINGLING, 'red', Date.now())
    db.saveAlert(red)
    db.setSiteLevel({ siteId: 'site-c', county: LINGLING, level: 'red', alertId: red.id, since: red.updatedAt })
    const t = { prov: '43', county: LINGLING, siteId: 'site-c' }
    await rules.publishAsync(topics.alert(t), JSON.stringify({ kind: 'opened', at: red.updatedAt, alert: red }), { qos: 1 })
    await rules.publishAsync(topics.alertState(t), JSON.stringify({ siteId: 'site-c', county: LINGLING, level: 'red', alertId: red.id, since: red.updatedAt }), { qos: 1, retain: true })
    await poll(() => map.getAttribute('data-shaded')).toBe(`${JIANGHUA}:orange,${LINGLING}:red`)

    // Drill down to the county: only its own square, and the offline list narrows with it.
    await page.goto(`${dashboard.url}/#/region/${JIANGHUA}`)
    await poll(() => map.getAttribute('data-shaded')).toBe(`${JIANGHUA}:orange`)
    await poll(() => offline.getAttribute('data-count')).toBe('1')
    expect(await page.getByTestId('breadcrumb').locator('a').allInnerTexts()).toEqual(['湖南省', '永州市'])
    await page.screenshot({ path: join(resultsDir, 'overview-regions-county.png') })

    // Drill on to the site: the whole path stays, every level above it a link.
    await page.getByTestId('site-list').getByTestId('site-item').filter({ hasText: '江华滑坡一号' }).locator('a').click()
    await page.getByTestId('site-name').waitFor()
    expect(await page.getByTestId('breadcrumb').locator('a').allInnerTexts()).toEqual(['湖南省', '永州市', '江华瑶族自治县'])
    await page.getByTestId('breadcrumb').getByRole('link', { name: '永州市' }).click()
    await poll(() => page.getByTestId('breadcrumb').locator('[aria-current]').innerText()).toBe('永州市')

    // A region outside the jurisdiction (typed by hand) shows nothing of it, and the way back up is a link.
    await page.goto(`${dashboard.url}/#/region/${YOUXIAN}`)
    await poll(() => page.getByTestId('breadcrumb').locator('a').allInnerTexts()).toEqual(['湖南省'])
    expect(await page.getByTestId('site-list').getByTestId('site-item').count()).toBe(0)
    await poll(() => map.getAttribute('data-map')).toBe('plain')
  })

  test('a county officer receives only their county’s boundary and offline devices', async () => {
    const page = await signIn(JIANGHUA_OFFICER)
    await poll(() => page.getByTestId('site-map').getAttribute('data-shaded')).toBe(`${JIANGHUA}:orange`)
    const served = await page.evaluate(async () => (await (await fetch('/api/regions/map')).json()) as { map: { features: Array<{ properties: { code: string } }> } })
    expect(served.map.features.map((f) => f.properties.code)).toEqual([JIANGHUA])
    await poll(() => page.getByTestId('offline-devices').getAttribute('data-count')).toBe('1')
  })

  test('the statistics page: by level, region and day, time to acknowledge, online rate by county', async () => {
    const page = await signIn(HUNAN_OFFICER)
    await page.getByTestId('nav-stats').click()
    await page.getByTestId('stats').waitFor()
    const total = page.getByTestId('stats-total')
    await poll(() => total.getAttribute('data-total')).toBe('3')
    const levels = await page.getByTestId('stats-levels').locator('tbody tr').allInnerTexts()
    expect(levels.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual(['红色(警报级) 1', '橙色(警戒级) 1', '黄色(警示级) 1', '蓝色(注意级) 0', '全部 3'])
    const regions = await page.getByTestId('stats-regions').locator('tbody tr').allInnerTexts()
    expect(regions.join('|')).toContain('永州市')
    const ack = await page.getByTestId('stats-ack').locator('tbody tr').allInnerTexts()
    expect(ack[2]?.replace(/\s+/g, ' ').trim()).toBe('黄色(警示级) 1 0 12 分钟 12 分钟 12 分钟')
    expect(ack[4]?.replace(/\s+/g, ' ').trim()).toMatch(/^全部 1 2 12 分钟/)
    const devices = (await page.getByTestId('stats-devices').locator('tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim())
    expect(devices).toContain('江华瑶族自治县 3 2 1 0 66.7%')
    expect(devices.at(-1)).toBe('全部 5 2 1 2 40.0%')
    expect(await page.getByTestId('stats-by-day').locator('canvas').count()).toBeGreaterThan(0)
    await page.screenshot({ path: join(resultsDir, 'stats.png'), fullPage: true })

    // The last 7 days still hold all three; the English switch relabels the page.
    await page.getByTestId('stats-period').selectOption('7')
    await poll(() => total.getAttribute('data-total')).toBe('3')
    await page.getByTestId('lang-switch').click()
    await poll(() => page.getByTestId('nav-stats').innerText()).toBe('Statistics')
    await poll(() => page.getByTestId('stats-total').innerText()).toBe('3 warning(s)')
  })

  test('the statistics page on a phone', async () => {
    const page = await signIn(HUNAN_OFFICER, { width: 390, height: 844 })
    await page.goto(`${dashboard.url}/#/stats`)
    await poll(() => page.getByTestId('stats-total').getAttribute('data-total')).toBe('3')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: join(resultsDir, 'stats-phone.png'), fullPage: true })
  })
})
