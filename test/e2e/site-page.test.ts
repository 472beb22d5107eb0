import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Evidence, Reading } from '../../domain/index.js'
import { haveChromium, launchChromium, requireChromium } from './chromium.js'
import { alertOf, HOUR_MS, HUNAN_OFFICER, JIANGHUA, PASSWORD, REGISTRY, startStack, type Stack } from './browser-stack.js'

/**
 * The site page's charts in a real Chromium (browser-stack.ts): rain with its 1 h / 24 h sums,
 * displacement with velocity and tangent angle, groundwater with its rise, the inverse-velocity
 * forecast of the alert evidence, each with the site's thresholds, read from the ECharts option
 * actually drawn; screenshots at the duty-room size and on a phone.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const resultsDir = join(repoRoot, 'test-results')

requireChromium('site page')

interface DrawnSeries {
  id?: string
  type?: string
  data?: unknown[]
  markLine?: { data?: Array<{ yAxis?: number; xAxis?: number; name?: string }> }
}

describe.skipIf(!haveChromium)('site page charts in headless Chromium', () => {
  let stack: Stack
  let browser: Browser
  let tfMs = 0
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    await mkdir(resultsDir, { recursive: true })
    stack = await startStack(repoRoot)
    const now = Date.now()
    // A groundwater gauge on site-a, rising 2 cm an hour (0.48 m/d: above the yellow rise of 0.3 m/d).
    const site = REGISTRY.sites.find((s) => s.id === 'site-a')
    if (site === undefined) throw new Error('site-a missing from the browser stack')
    stack.db.importRegistry({
      version: 1,
      sites: [site],
      devices: [{ id: 'dev-a3', siteId: 'site-a', dialect: 'native', model: 'WL-1', sensors: [{ id: 'SW1', type: 'groundwater', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] }]
    })
    const rows: Reading[] = []
    for (let h = 30; h >= 1; h--) {
      rows.push({ deviceId: 'dev-a3', sensorId: 'SW1', type: 'groundwater', siteId: 'site-a', county: JIANGHUA, ts: now - h * HOUR_MS, fields: { levelM: 12 + (30 - h) * 0.02 } })
    }
    // Four more days of the stack's steady GNSS creep (0.4 mm/h) before its 30 h, so v_eq is known.
    for (let h = 120; h > 30; h--) {
      const creepMm = 40 + (30 - h) * 0.4
      rows.push({ deviceId: 'dev-a2', sensorId: 'GP1', type: 'gnss', siteId: 'site-a', county: JIANGHUA, ts: now - h * HOUR_MS, fields: { dxMm: creepMm * 0.8, dyMm: creepMm * 0.6 } })
    }
    await stack.readings.write(rows)
    await stack.readings.writeStatuses([{ deviceId: 'dev-a3', siteId: 'site-a', county: JIANGHUA, ts: now - HOUR_MS, batteryPct: 12, batteryV: 3.4, solarV: 5.1, signalNb: 18, sensorState: { SW1: 0 } }])

    // Site-a went red an hour ago on displacement with the inverse-velocity forecast: failure in 10 h.
    const at = now - HOUR_MS
    tfMs = at + 10 * HOUR_MS
    const ev = (indicator: string, value: number, threshold: number, unit: string): Evidence => ({ indicator, level: 'red', value, threshold, unit, at, deviceId: 'dev-a2', sensorId: 'GP1' })
    const red = alertOf('alert-a', 'site-a', JIANGHUA, 'red', at, {
      openedAt: now - 5 * HOUR_MS,
      history: [
        { at: now - 5 * HOUR_MS, from: 'none', to: 'orange', evidence: [{ ...ev('rain.6h', 124, 120, 'mm'), level: 'orange', deviceId: 'dev-a1', sensorId: 'YL1' }] },
        {
          at,
          from: 'orange',
          to: 'red',
          evidence: [
            ev('displacement.velocity', 22.4, 20, 'mm/d'),
            ev('forecast.inverse-velocity', 10, 24, 'h'),
            ev('forecast.inverse-velocity.r2', 0.93, 0.8, 'R²'),
            ev('forecast.inverse-velocity.points', 36, 6, 'points'),
            ev('forecast.inverse-velocity.span', 6, 3, 'h')
          ]
        }
      ]
    })
    stack.db.saveAlert(red)
    stack.db.setSiteLevel({ siteId: 'site-a', county: JIANGHUA, level: 'red', alertId: red.id, since: at })
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
    await stack?.close()
  })

  const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 })

  async function openSite(viewport: { width: number; height: number }, language: 'zh' | 'en' = 'zh'): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    const errors: Error[] = []
    page.on('pageerror', (err) => errors.push(err))
    if (language === 'en') await context.addInitScript(() => localStorage.setItem('geowarn.lang', 'en'))
    await page.goto(stack.dashboard.url)
    await page.getByTestId('login-username').fill(HUNAN_OFFICER.username)
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('overview').waitFor()
    await page.goto(`${stack.dashboard.url}/#/site/site-a`)
    await page.getByTestId('site-page').waitFor()
    for (const id of ['chart-rain', 'chart-displacement', 'chart-groundwater', 'chart-forecast']) {
      await poll(async () => Number((await page.getByTestId(id).getAttribute('data-points')) ?? 0)).toBeGreaterThan(0)
    }
    expect(errors).toEqual([])
    return page
  }

  /** The series of a chart as ECharts holds them after drawing (charts.ts puts the instance on its element). */
  async function drawnSeries(page: Page, testId: string): Promise<DrawnSeries[]> {
    return page.getByTestId(testId).evaluate((el) => {
      const chart = (el as HTMLElement & { geowarnChart?: { getOption(): { series?: unknown[] } } }).geowarnChart
      return JSON.parse(JSON.stringify(chart?.getOption().series ?? [])) as DrawnSeries[]
    })
  }

  const byId = (series: DrawnSeries[], prefix: string): DrawnSeries => {
    const s = series.find((x) => x.id?.startsWith(prefix) === true)
    if (s === undefined) throw new Error(`no series ${prefix} among ${series.map((x) => x.id).join(', ')}`)
    return s
  }
  const lines = (s: DrawnSeries): number[] => (s.markLine?.data ?? []).map((d) => d.yAxis ?? Number.NaN)

  test('every chart draws its data with the site’s thresholds, and the forecast with its failure time', async () => {
    const page = await openSite({ width: 1366, height: 768 })

    const rain = await drawnSeries(page, 'chart-rain')
    expect(byId(rain, 'hourly:').data?.length).toBeGreaterThanOrEqual(23)
    expect(byId(rain, 'sum1h:').data?.length).toBeGreaterThan(100)
    // config/rules-default.json, Jianghua table: 1 h and 24 h windows.
    expect(lines(byId(rain, 'sum1h:'))).toEqual([35, 45, 60, 80])
    expect(lines(byId(rain, 'sum24h:'))).toEqual([100, 130, 160, 200])
    // The storm's last 24 h: 8 + 10.5 + … + 35.5 mm over 12 h plus the light hours before.
    const last24 = byId(rain, 'sum24h:').data?.at(-1) as [number, number]
    expect(last24[1]).toBeGreaterThan(250)

    const disp = await drawnSeries(page, 'chart-displacement')
    expect(byId(disp, 'displacement:').data?.length).toBeGreaterThanOrEqual(23)
    expect(lines(byId(disp, 'velocity:'))).toEqual([2, 5, 10, 20])
    expect(lines(byId(disp, 'angle:'))).toEqual([40, 50, 80, 85])
    const velocity = byId(disp, 'velocity:').data as Array<[number, number]>
    // 0.4 mm/h steady creep = 9.6 mm/d at the start of the window, faster at its end.
    expect(velocity[0]?.[1]).toBeCloseTo(9.6, 0)
    expect(velocity.at(-1)?.[1]).toBeGreaterThan(30)
    const angle = byId(disp, 'angle:').data as Array<[number, number]>
    expect(angle.length).toBeGreaterThanOrEqual(20)
    expect(angle[0]?.[1]).toBeCloseTo(45, 0)
    expect(angle.at(-1)?.[1]).toBeGreaterThan(50)

    const gw = await drawnSeries(page, 'chart-groundwater')
    expect(byId(gw, 'level:').data?.length).toBeGreaterThanOrEqual(23)
    expect(lines(byId(gw, 'rise:'))).toEqual([0.15, 0.3, 1.5, 3])
    expect((byId(gw, 'rise:').data?.at(-1) as [number, number])[1]).toBeCloseTo(0.48, 2)

    const fc = await drawnSeries(page, 'chart-forecast')
    expect(byId(fc, 'inverse-velocity').data?.length).toBeGreaterThanOrEqual(5)
    const fitted = byId(fc, 'forecast-line')
    expect(fitted.data).toHaveLength(2)
    expect(fitted.data?.[1]).toEqual([tfMs, 0])
    expect(fitted.markLine?.data?.[0]?.xAxis).toBe(tfMs)
    await expect(page.getByTestId('chart-forecast-panel').innerText()).resolves.toContain('R² 0.93')

    // Device health: every sensor with its type and state, battery and signal as reported.
    const gp1 = page.locator('[data-testid="sensor-state"][data-sensor-id="GP1"]')
    expect(await gp1.getAttribute('data-code')).toBe('-2')
    expect(await gp1.innerText()).toContain('GNSS')
    const gauge = page.locator('[data-testid="device-row"][data-device-id="dev-a3"]')
    expect(await gauge.getByTestId('device-battery').innerText()).toContain('12 %')
    expect(await gauge.getByTestId('device-battery').locator('.pill.bad').count()).toBe(1)
    expect(await gauge.getByTestId('device-signal').innerText()).toContain('NB 18')
    expect(await gauge.getByTestId('sensor-state').innerText()).toContain('地下水位')

    await page.screenshot({ path: join(resultsDir, 'site-page-1366.png') })
    // The page scrolls inside its main pane: each chart panel on its own as well.
    for (const id of ['chart-rain', 'chart-groundwater', 'chart-displacement', 'chart-forecast']) {
      await page.getByTestId(`${id}-panel`).screenshot({ path: join(resultsDir, `site-page-${id}.png`) })
    }
    await page.getByTestId('device-list').screenshot({ path: join(resultsDir, 'site-page-devices.png') })
    // At the duty-room size the charts fit side by side without a horizontal scrollbar.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366)
  }, 60_000)

  test('in English and on a phone the charts keep their labels and fit the width', async () => {
    const page = await openSite({ width: 390, height: 844 }, 'en')
    await expect(page.getByTestId('chart-forecast-panel').innerText()).resolves.toContain('Inverse-velocity failure forecast')
    await expect(page.getByTestId('chart-displacement-panel').innerText()).resolves.toContain('tangent angle')
    const box = await page.getByTestId('chart-displacement').boundingBox()
    expect(box?.width).toBeGreaterThan(300)
    expect(box?.width).toBeLessThanOrEqual(390)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: join(resultsDir, 'site-page-phone-en.png'), fullPage: true })
  }, 60_000)
})
