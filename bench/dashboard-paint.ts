import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'

/**
 * Time to first useful paint of the overview, in Debian's headless Chromium driven by
 * playwright-core (no browser download), on a 1366×768 duty-room screen, cold cache (a fresh
 * browser context per run), signed in already (the session cookie is set before the navigation).
 *
 * "Useful", precisely: from navigation start (the page's performance time origin) to the first
 * animation frame in which all of these hold:
 *  1. the level counts show exactly the seeded active warnings, level by level;
 *  2. the region list lists every province that holds sites;
 *  3. the site list is there;
 *  4. the map's canvas holds pixels of the red warning colour. The map draws sites lowest level
 *     first (views/site-map.ts sorts them so), and ECharts draws a large scatter in chunks over
 *     several frames in data order, so red on the canvas means every point has been drawn.
 * Checked in a requestAnimationFrame loop the page runs itself (an init script), so the
 * resolution is one frame (~17 ms); the pixel scan runs only once 1–3 hold.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium'
/** LEVEL_COLORS.red of dashboard/web/src/levels.ts, as RGB. */
const RED: readonly [number, number, number] = [0xe5, 0x39, 0x35]
const USEFUL_TIMEOUT_MS = 60_000

export interface UsefulTarget {
  counts: Record<string, number>
  regions: number
  red: readonly [number, number, number]
}

export interface PaintSample {
  /** Navigation start → useful (the criteria above). */
  usefulMs: number
  /** Navigation start → the first /api/sites response fully received. */
  sitesArrivedMs: number
  /** How often the page fetched /api/sites before it was useful. */
  sitesFetches: number
}

/** Why the paint measure cannot run here, or null when it can. */
export function paintUnavailable(webRoot: string): string | null {
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`
  if (!existsSync(join(webRoot, 'index.html'))) return `no built web app in ${webRoot} (npm run build, or set GEOWARN_WEB_ROOT)`
  return null
}

export async function launchBrowser(): Promise<Browser> {
  // A dev dependency: imported here, not at the top, so `geowarn` in the image (no dev dependencies) still loads.
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // As test/e2e/chromium.ts: no sandbox (root), no background connections, no GPU.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
}

export function usefulTarget(counts: Record<string, number>, regions: number): UsefulTarget {
  return { counts, regions, red: RED }
}

/**
 * The little of the DOM the page functions below use. The build compiles bench/ without the DOM
 * library (tsconfig.build.json), so they see the page through this instead.
 */
interface PageCanvas {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null
}
interface PageElement {
  getAttribute(name: string): string | null
}
interface PageGlobals {
  document: {
    querySelectorAll<T = PageElement>(selector: string): Iterable<T> & { length: number }
    querySelector(selector: string): unknown
  }
  requestAnimationFrame(cb: () => void): number
  performance: { now(): number; getEntriesByType(type: 'resource'): Array<{ name: string; responseEnd: number }> }
  __gwUseful?: number
}

/** Runs in the page before its own scripts (serialized by playwright: no outside references). */
function watchUseful(target: UsefulTarget): void {
  const g = globalThis as unknown as PageGlobals
  const countsShown = (): boolean => {
    const chips = g.document.querySelectorAll('[data-testid="level-counts"] [data-level]')
    if (chips.length !== Object.keys(target.counts).length) return false
    for (const chip of chips) {
      if (Number(chip.getAttribute('data-count')) !== target.counts[chip.getAttribute('data-level') ?? '']) return false
    }
    return true
  }
  const redDrawn = (): boolean => {
    for (const canvas of g.document.querySelectorAll<PageCanvas>('[data-testid="site-map"] canvas')) {
      if (canvas.width === 0 || canvas.height === 0) continue
      const ctx = canvas.getContext('2d')
      if (ctx === null) continue
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data
      for (let i = 0; i < px.length; i += 4) {
        if (px[i] === target.red[0] && px[i + 1] === target.red[1] && px[i + 2] === target.red[2] && px[i + 3] === 255) return true
      }
    }
    return false
  }
  const frame = (): void => {
    const ready =
      countsShown() &&
      g.document.querySelectorAll('[data-testid="region-item"]').length === target.regions &&
      g.document.querySelector('[data-testid="site-list"]') !== null &&
      redDrawn()
    if (ready) g.__gwUseful = g.performance.now()
    else g.requestAnimationFrame(frame)
  }
  g.requestAnimationFrame(frame)
}

/** One cold load of the overview as `username`; throws on a page error or when it never becomes useful. */
export async function paintOnce(browser: Browser, url: string, username: string, password: string, target: UsefulTarget): Promise<PaintSample> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' })
  try {
    // The context's request client shares its cookie jar: the page starts signed in.
    const login = await context.request.post(`${url}/api/login`, { data: { username, password } })
    if (!login.ok()) throw new Error(`login as ${username}: HTTP ${login.status()}`)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.addInitScript(watchUseful, target)
    await page.goto(`${url}/#/`)
    try {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__gwUseful !== undefined, undefined, { timeout: USEFUL_TIMEOUT_MS, polling: 100 })
    } catch (err) {
      throw new Error(`the overview never became useful${errors.length > 0 ? ` (page errors: ${errors.join('; ')})` : ''}: ${String(err)}`)
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`)
    return await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals
      const useful = g.__gwUseful ?? Number.NaN
      const sites = g.performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/sites') && e.responseEnd <= useful)
      return { usefulMs: useful, sitesArrivedMs: sites[0]?.responseEnd ?? Number.NaN, sitesFetches: sites.length }
    })
  } finally {
    await context.close()
  }
}
