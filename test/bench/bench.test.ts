import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, test } from 'vitest'
import { formatTable } from '../../bench/report.js'
import type * as Suites from '../../bench/suites.js'
import type { Figure, Spread, SuiteResult } from '../../bench/suites.js'
import { buildWebApp, haveChromium } from '../e2e/chromium.js'
import { haveInfluxd, requireInfluxd } from '../support/influxd.js'
import { buildServices, repoRoot } from '../support/processes.js'

/**
 * Keeps the benchmark code from rotting: every suite, quick, yields the figures it promises, finite
 * and positive (counts of waits may be zero in a run this small). The suites run from the build, as
 * `npm run bench` runs them: the pipeline suites' publishers are a worker thread, which needs the
 * compiled load-worker.js. Nothing here times anything.
 */
const positive = (s: Spread): void => {
  expect(Number.isFinite(s.median) && Number.isFinite(s.min) && Number.isFinite(s.max)).toBe(true)
  expect(s.min).toBeGreaterThan(0)
  expect(s.min).toBeLessThanOrEqual(s.median)
  expect(s.median).toBeLessThanOrEqual(s.max)
}
const counted = (s: Spread): void => {
  expect(Number.isFinite(s.median) && s.min >= 0).toBe(true)
}

/** Figures that count waits at the gate: zero when a quick run does not fill it. */
const COUNTS = new Set(['uplinks', 'episodes'])
const GATE_MS = /at the gate/

function checkFigures(result: SuiteResult): void {
  for (const f of result.figures as Figure[]) {
    const check = COUNTS.has(f.unit) || GATE_MS.test(f.name) ? counted : positive
    check(f.value)
    if (f.baseline !== undefined) check(f.baseline.value)
    if (f.ratio !== undefined) positive(f.ratio)
  }
  expect(formatTable([result])).toContain(`== ${result.suite}`)
}

let suites: typeof Suites
beforeAll(async () => {
  const app = await buildServices()
  suites = (await import(pathToFileURL(join(app, 'dist', 'bench', 'suites.js')).href)) as typeof Suites
}, 240_000)

const run = async (name: string): Promise<SuiteResult> => {
  const suite = suites.SUITES[name]
  if (suite === undefined) throw new Error(`no suite ${name}`)
  const result = await suite({ quick: true })
  expect(result.suite).toBe(name)
  return result
}

describe('geowarn bench --quick', () => {
  test('the suites', () => {
    expect(suites.SUITE_NAMES).toEqual(['decode', 'engine', 'pipeline', 'influx', 'overload', 'dashboard'])
  })

  test.each(['decode', 'engine'])('%s yields positive finite figures', async (name) => {
    const result = await run(name)
    expect(result.figures.length).toBeGreaterThan(0)
    checkFigures(result)
  })

  test('pipeline: ours against bare Aedes (and Mosquitto when installed)', { timeout: 120_000 }, async () => {
    const result = await run('pipeline')
    expect(result.figures.map((f) => f.name)).toEqual(expect.arrayContaining(['broker → ingest → SQLite', 'latency p50', 'latency p99']))
    expect(result.figures[0]?.baseline?.name).toBe('bare Aedes')
    checkFigures(result)
  })

  test('overload: delivered against capacity, latency, the alert path and the gate', { timeout: 120_000 }, async () => {
    const result = await run('overload')
    expect(result.figures.map((f) => f.name)).toEqual([
      'offered',
      'delivered while overloaded',
      'latency p50, scheduled → stored',
      'latency p99, scheduled → stored',
      'alert path p50',
      'alert path p99',
      'uplinks that waited at the gate',
      'mean wait at the gate',
      'longest wait at the gate',
      'overloads logged'
    ])
    checkFigures(result)
  })

  test('dashboard: overview paint (when Chromium is there), API payloads, alert fan-out to sockets', { timeout: 180_000 }, async () => {
    // The build holds no web app (npm run build puts it in dist/web): build it from the sources, as the browser tests do.
    const previous = process.env.GEOWARN_WEB_ROOT
    const webRoot = haveChromium ? await buildWebApp(repoRoot) : undefined
    if (webRoot !== undefined) process.env.GEOWARN_WEB_ROOT = webRoot
    try {
      const result = await run('dashboard')
      const names = result.figures.map((f) => f.name)
      expect(names).toEqual(
        expect.arrayContaining(['/api/sites payload (national)', '/api/regions payload (national)', 'alert → 20 sockets, p50', 'alert → 20 sockets, p99', 'alert → 20 sockets, last socket'])
      )
      if (haveChromium) expect(names).toEqual(expect.arrayContaining(['overview useful, 300 sites', '… of which /api/sites received']))
      else expect(result.notes.join('\n')).toMatch(/paint: SKIPPED, no Chromium/)
      expect(result.notes.join('\n')).toMatch(/every socket got every alert/)
      checkFigures(result)
    } finally {
      if (previous === undefined) delete process.env.GEOWARN_WEB_ROOT
      else process.env.GEOWARN_WEB_ROOT = previous
      if (webRoot !== undefined) await rm(webRoot, { recursive: true, force: true })
    }
  })

  requireInfluxd('geowarn bench influx')
  test.skipIf(!haveInfluxd)('influx: ingest into influxd beside raw line-protocol writes', { timeout: 120_000 }, async () => {
    const result = await run('influx')
    expect(result.figures[0]).toMatchObject({ name: 'broker → ingest → InfluxDB', unit: 'readings/s' })
    expect(result.figures[0]?.baseline?.name).toMatch(/^raw \/write/)
    checkFigures(result)
  })
})
