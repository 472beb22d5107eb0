import { describe, expect, test } from 'vitest'
import type { Alert } from '../../../domain/index.js'
import { mapView } from '../../../dashboard/web/src/map-view.js'
import { pathTo } from '../../../dashboard/web/src/regions.js'
import { parseRoute } from '../../../dashboard/web/src/router.js'
import { BucketSeries, cumulative, displacementMm, levelSteps } from '../../../dashboard/web/src/series.js'
import type { RegionNode } from '../../../dashboard/web/src/types.js'

const HOUR_MS = 3_600_000

describe('BucketSeries', () => {
  test('sum adds live rain into the hour the API already summed', () => {
    const s = new BucketSeries('sum', HOUR_MS)
    s.setWindow('d/YL1', 0, 10)
    s.addSample('d/YL1', 30 * 60_000, 2.5)
    s.addSample('d/YL1', HOUR_MS + 1, 1)
    expect(s.points('d/YL1')).toEqual([
      [0, 12.5],
      [HOUR_MS, 1]
    ])
    expect(cumulative(s.points('d/YL1'))).toEqual([
      [0, 12.5],
      [HOUR_MS, 13.5]
    ])
  })

  test('mean counts the API window as one sample', () => {
    const s = new BucketSeries('mean', HOUR_MS)
    s.setWindow('d/GP1', 0, 10)
    s.addSample('d/GP1', 60_000, 13)
    expect(s.points('d/GP1')).toEqual([[0, 11.5]])
    expect(s.points('unknown')).toEqual([])
  })
})

test.each([
  ['gnss', { dxMm: 3, dyMm: 4, dzMm: -9 }, 5],
  ['gnss', { dxMm: 3 }, undefined],
  ['crack', { openingMm: 2.5 }, 2.5],
  ['deep_disp', { dispXMm: 7, dispYMm: 1 }, 7],
  ['rain', { intervalMm: 1 }, undefined]
] as const)('displacement of %s %j → %s mm', (type, fields, expected) => {
  expect(displacementMm(type, fields)).toBe(expected)
})

function alert(history: Alert['history'], resolvedAt: number | null = null): Alert {
  return {
    id: 'a1', siteId: 's1', county: '431129', level: 'orange', peakLevel: 'orange', state: resolvedAt === null ? 'open' : 'resolved',
    openedAt: 0, updatedAt: 0, resolvedAt, disposition: null, history, actions: [], escalations: []
  }
}

describe('levelSteps', () => {
  test('starts with the level in force at the window start, ends at now', () => {
    const a = alert([
      { at: 100, from: 'none', to: 'yellow', evidence: [] },
      { at: 500, from: 'yellow', to: 'orange', evidence: [] }
    ])
    expect(levelSteps([a], 200, 900)).toEqual([
      [200, 'yellow'],
      [500, 'orange'],
      [900, 'orange']
    ])
  })

  test('a resolved alert drops back to none', () => {
    const a = alert([{ at: 300, from: 'none', to: 'red', evidence: [] }], 600)
    expect(levelSteps([a], 0, 1000)).toEqual([
      [0, 'none'],
      [300, 'red'],
      [600, 'none'],
      [1000, 'none']
    ])
  })

  test('no alerts: none throughout', () => {
    expect(levelSteps([], 0, 10)).toEqual([
      [0, 'none'],
      [10, 'none']
    ])
  })
})

describe('mapView', () => {
  test('keeps ground distances to scale at the sites’ latitude', () => {
    const sites = [{ location: { lon: 111, lat: 25 } }, { location: { lon: 112, lat: 28 } }]
    const v = mapView(sites, 600, 400)
    expect(v).not.toBeNull()
    if (v === null) return
    const kx = Math.cos((26.5 * Math.PI) / 180)
    expect(((v.lon[1] - v.lon[0]) * kx) / 600).toBeCloseTo((v.lat[1] - v.lat[0]) / 400, 9)
    expect(v.lat[0]).toBeLessThan(25)
    expect(v.lat[1]).toBeGreaterThan(28)
  })

  test('nothing to frame', () => {
    expect(mapView([], 600, 400)).toBeNull()
    expect(mapView([{ location: { lon: 1, lat: 1 } }], 0, 400)).toBeNull()
  })
})

test('pathTo finds the chain from the root', () => {
  const node = (code: string, children: RegionNode[] = []): RegionNode => ({
    code, name: code, level: 'county', activeLevel: 'none', siteCount: 1, alertCounts: { blue: 0, yellow: 0, orange: 0, red: 0 }, children
  })
  const root = node('430000', [node('430100', [node('430182')]), node('431100', [node('431129'), node('431102')])])
  expect(pathTo(root, '431102')?.map((r) => r.code)).toEqual(['430000', '431100', '431102'])
  expect(pathTo(root, '430000')?.map((r) => r.code)).toEqual(['430000'])
  expect(pathTo(root, '510704')).toBeNull()
})

test.each([
  ['', { name: 'overview', region: null }],
  ['#/', { name: 'overview', region: null }],
  ['#/login', { name: 'login' }],
  ['#/region/431100', { name: 'overview', region: '431100' }],
  ['#/region/4311', { name: 'overview', region: null }],
  ['#/site/site-a', { name: 'site', siteId: 'site-a' }],
  ['#/site/a%2Fb', { name: 'site', siteId: 'a/b' }],
  ['#/nonsense', { name: 'overview', region: null }]
])('route %s', (hash, route) => {
  expect(parseRoute(hash)).toEqual(route)
})
