import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { provincePrefix, topics } from '../../domain/index.js'
import { haveChromium, launchChromium, requireChromium } from './chromium.js'
import { alertOf, HUNAN_OFFICER, JIANGHUA, LINGLING, NINGXIANG, PASSWORD, raiseAlert, startStack, type Stack } from './browser-stack.js'

/**
 * The browser app in a real headless Chromium against a real dashboard (browser-stack.ts): what
 * a duty officer sees and does during a storm, asserted on the page and on what the server stored.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const resultsDir = join(repoRoot, 'test-results')

requireChromium('browser')

describe.skipIf(!haveChromium)('dashboard web app in headless Chromium', () => {
  let stack: Stack
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    await mkdir(resultsDir, { recursive: true })
    stack = await startStack(repoRoot)
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
    await stack?.close()
  })

  async function openPage(viewport = { width: 1366, height: 768 }, locale = 'zh-CN'): Promise<Page> {
    const context = await browser.newContext({ viewport, locale, timezoneId: 'Asia/Shanghai' })
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    page.on('pageerror', (err) => console.error('[page error]', err))
    return page
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(stack.dashboard.url)
    await page.getByTestId('login-username').fill(HUNAN_OFFICER.username)
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('overview').waitFor()
    await poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live')
  }

  // The page answers within a second or two; the margin is for a loaded CI machine.
  const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 })
  const feedItem = (page: Page, alertId: string) => page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`)

  test('sign-in refuses a wrong password, then shows the jurisdiction with its warnings', async () => {
    const page = await openPage()
    await page.goto(stack.dashboard.url)
    await page.getByTestId('login-form').waitFor()
    expect(page.url()).toMatch(/#\/login$/)
    await page.getByTestId('login-username').fill(HUNAN_OFFICER.username)
    await page.getByTestId('login-password').fill('not-the-password')
    await page.getByTestId('login-submit').click()
    await poll(() => page.getByTestId('login-error').isVisible()).toBe(true)
    await page.screenshot({ path: join(resultsDir, 'browser-login.png') })

    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('overview').waitFor()

    await poll(() => page.getByTestId('breadcrumb').innerText()).toContain('湖南省')
    const counts = page.getByTestId('level-counts')
    await poll(() => counts.locator('[data-level="orange"]').getAttribute('data-count')).toBe('1')
    expect(await counts.locator('[data-level="yellow"]').getAttribute('data-count')).toBe('1')
    expect(await counts.locator('[data-level="red"]').getAttribute('data-count')).toBe('0')
    // Hunan → its two cities with sites, the one in danger first.
    const regions = page.getByTestId('region-list').getByTestId('region-item')
    await poll(() => regions.count()).toBe(2)
    expect(await regions.first().getAttribute('data-level')).toBe('orange')
    expect(await page.getByTestId('site-map').locator('canvas').count()).toBeGreaterThan(0)

    await poll(() => feedItem(page, 'alert-a').getAttribute('data-level')).toBe('orange')
    expect(await feedItem(page, 'alert-a').getAttribute('data-state')).toBe('open')
    expect(await feedItem(page, 'alert-b').getAttribute('data-state')).toBe('acknowledged')
    expect(await feedItem(page, 'alert-a').innerText()).toContain('江华滑坡一号')

    // Drill down: city, then county, each adding a breadcrumb step.
    await regions.first().locator('a').click()
    // The officer's jurisdiction is the province: the path starts there.
    await poll(() => page.getByTestId('breadcrumb').locator('li').count()).toBe(2)
    await page.getByTestId('region-list').getByTestId('region-item').filter({ hasText: '江华' }).locator('a').click()
    await poll(() => page.getByTestId('site-list').getByTestId('site-item').count()).toBe(2)
    expect(await page.getByTestId('breadcrumb').locator('li').allInnerTexts()).toEqual(['湖南省', '永州市', '江华瑶族自治县'])
  })

  test('a new red warning arrives live, flashes on top, and is acknowledged then resolved', async () => {
    const page = await openPage()
    await signIn(page)
    await poll(() => page.getByTestId('alert-feed').getByTestId('alert-item').count()).toBe(2)
    await page.getByTestId('overview').click({ position: { x: 5, y: 5 } }) // a user gesture arms the sound cue

    const red = alertOf('alert-c', 'site-c', LINGLING, 'red', Date.now())
    await raiseAlert(stack, red, 'opened')

    const item = feedItem(page, 'alert-c')
    await poll(() => item.getAttribute('data-level')).toBe('red')
    expect(await item.getAttribute('data-state')).toBe('open')
    expect(await item.getAttribute('class')).toContain('flash')
    expect(await page.getByTestId('alert-feed').getByTestId('alert-item').first().getAttribute('data-alert-id')).toBe('alert-c')
    await poll(() => page.locator('[data-testid="toast"][data-alert-id="alert-c"]').getAttribute('data-level')).toBe('red')
    await poll(() => item.innerText()).toContain('零陵泥石流沟')
    await poll(() => page.getByTestId('level-counts').locator('[data-level="red"]').getAttribute('data-count')).toBe('1')
    await page.screenshot({ path: join(resultsDir, 'browser-overview-red.png') })

    await item.getByTestId('alert-ack').click()
    await poll(() => item.getAttribute('data-state')).toBe('acknowledged')
    expect(stack.db.getAlert('alert-c')?.actions.map((a) => a.action)).toEqual(['acknowledge'])
    await item.getByTestId('alert-resolve').click()
    await item.getByTestId('resolve-form').waitFor()
    await page.screenshot({ path: join(resultsDir, 'browser-resolve-form.png') })
    await item.getByTestId('alert-resolve').click()

    await item.getByTestId('alert-escalate').click()
    await poll(() => item.getByTestId('alert-escalated').getAttribute('data-count')).toBe('1')
    expect(stack.db.getAlert('alert-c')?.escalations.map((e) => e.toRegion)).toEqual(['431100'])

    await item.getByTestId('alert-resolve').click()
    await item.getByTestId('resolve-disposition').selectOption('evacuated')
    await item.getByTestId('resolve-note').fill('村民已转移至安置点')
    await item.getByTestId('alert-resolve-confirm').click()
    await poll(() => item.getAttribute('data-state')).toBe('resolved')
    const stored = stack.db.getAlert('alert-c')
    expect(stored?.state).toBe('resolved')
    expect(stored?.disposition).toBe('evacuated')
    expect(stored?.actions.at(-1)?.note).toBe('村民已转移至安置点')
  })

  test('the site page shows devices, charts, timeline and evidence, and appends live readings', async () => {
    const page = await openPage()
    await signIn(page)
    await page.goto(`${stack.dashboard.url}/#/site/site-a`)
    await poll(() => page.getByTestId('site-name').innerText()).toBe('江华滑坡一号')
    expect(await page.getByTestId('site-level').getAttribute('data-level')).toBe('orange')
    expect(await page.getByTestId('site-people').innerText()).toBe('120')
    await poll(async () => Number(await page.getByTestId('chart-rain').getAttribute('data-points'))).toBeGreaterThanOrEqual(23)
    expect(Number(await page.getByTestId('chart-displacement').getAttribute('data-points'))).toBeGreaterThanOrEqual(23)
    expect(await page.getByTestId('chart-timeline').getAttribute('data-level')).toBe('orange')
    expect(await page.getByTestId('evidence').getByTestId('evidence-row').first().getAttribute('data-indicator')).toBe('rain.6h')
    expect(await page.getByTestId('device-list').getByTestId('device-row').count()).toBe(2)
    expect(await page.getByTestId('device-list').innerText()).toContain('数据异常')
    for (const id of ['chart-rain', 'chart-displacement', 'chart-timeline']) expect(await page.getByTestId(id).locator('canvas').count()).toBe(1)
    // The main column scrolls inside the page: a tall window shows all of it in one picture.
    await page.setViewportSize({ width: 1366, height: 1400 })
    await page.screenshot({ path: join(resultsDir, 'browser-site.png') })
    await page.setViewportSize({ width: 1366, height: 768 })

    await page.locator('[data-testid="site-page"][data-live="on"]').waitFor()
    const uplink = topics.uplink({ prov: provincePrefix(JIANGHUA), county: JIANGHUA, siteId: 'site-a', deviceId: 'dev-a1', kind: 'data' })
    const payload = { v: 1, seq: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: Date.now(), fields: { intervalMm: 4.5 } }] }
    await stack.rules.publishAsync(uplink, JSON.stringify(payload), { qos: 1 })
    await poll(() => page.getByTestId('chart-rain').getAttribute('data-live')).toBe('1')
  })

  test('after a lost connection the page says so, then refetches what it missed', async () => {
    const page = await openPage()
    await signIn(page)
    await poll(() => page.getByTestId('alert-feed').getByTestId('alert-item').count()).toBeGreaterThan(0)

    stack.refuseSockets = true
    stack.dashboard.io.local.disconnectSockets(true)
    await page.getByTestId('stale-banner').waitFor({ state: 'visible' })
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('lost')

    // Stored but never heard by this page: only the refetch on reconnect can bring it.
    const missed = alertOf('alert-d', 'site-d', NINGXIANG, 'yellow', Date.now())
    stack.db.saveAlert(missed)
    stack.db.setSiteLevel({ siteId: 'site-d', county: NINGXIANG, level: 'yellow', alertId: 'alert-d', since: missed.updatedAt })
    stack.refuseSockets = false

    await poll(() => feedItem(page, 'alert-d').getAttribute('data-level')).toBe('yellow')
    await page.getByTestId('stale-banner').waitFor({ state: 'hidden' })
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('live')
  })

  test('the health page shows a full ingest spool reported by another process', async () => {
    const topic = topics.serviceHealth('ingest', 'ingest-sc')
    const spool = { state: 'full', segments: 12, batches: 480, readings: 240_000, bytes: 1_073_741_824, oldestAgeMs: 5_400_000, spooledBatchesTotal: 480, drainedBatchesTotal: 0, quarantinedTotal: 0, appendFailuresTotal: 3, lastError: 'spool is at its limit' }
    await stack.rules.publishAsync(topic, JSON.stringify({ service: 'ingest', instance: 'ingest-sc', online: true, at: Date.now(), stats: { spool } }), { qos: 1, retain: true })
    try {
      const page = await openPage()
      await signIn(page)
      await page.getByTestId('nav-health').click()
      await page.getByTestId('health').waitFor()
      await poll(() => page.getByTestId('health-status').getAttribute('data-status')).toBe('degraded')
      const row = page.getByTestId('spools').locator('tr', { hasText: 'ingest/ingest-sc' })
      expect(await row.getByTestId('spool-state').innerText()).toBe('已满')
      // 1 GiB waiting for 1 h 30 min: what an operator needs to judge the outage.
      expect(await row.innerText()).toContain('1.00 GiB')
      expect(await row.innerText()).toContain('1 小时 30 分')
      await page.screenshot({ path: join(resultsDir, 'browser-health.png') })
    } finally {
      await stack.rules.publishAsync(topic, '', { qos: 1, retain: true })
    }
  })

  test('the language switch turns the app English and is remembered', async () => {
    const page = await openPage()
    await signIn(page)
    await page.getByTestId('lang-switch').click()
    await poll(() => page.locator('.feed h2').innerText()).toContain('Live warnings')
    await page.reload()
    await page.getByTestId('overview').waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    expect(await page.getByTestId('level-counts').innerText()).toContain('Active warnings')
    await page.screenshot({ path: join(resultsDir, 'browser-overview-en.png') })
    await page.getByTestId('lang-switch').click()
    await poll(() => page.locator('.feed h2').innerText()).toContain('实时预警')
  })

  test('on a phone the warnings come first in one column, without sideways scrolling', async () => {
    const page = await openPage({ width: 390, height: 844 })
    await signIn(page)
    await poll(() => page.getByTestId('alert-feed').getByTestId('alert-item').count()).toBeGreaterThan(0)
    const feed = await page.getByTestId('alert-feed').boundingBox()
    const overview = await page.getByTestId('overview').boundingBox()
    expect(feed !== null && overview !== null && feed.y < overview.y).toBe(true)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: join(resultsDir, 'browser-phone.png'), fullPage: true })
  })
})
