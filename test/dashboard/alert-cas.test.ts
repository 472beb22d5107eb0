import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { nextUpdatedAt } from '../../dashboard/alert-actions.js'
import type { Alert } from '../../domain/index.js'
import type { PlatformDb } from '../../store/platform-db.js'
import { login, makeAlert, startHarness, T0, type Harness } from './fixture.js'

/**
 * Fault injection around the real SQLite DB: before the dashboard's compare-and-set save, the
 * queued writes land first, as if rules had saved the alert between the dashboard's read and save.
 */
const interleaved: Array<(db: PlatformDb) => void> = []
let injectEvery = false

function interleaving(db: PlatformDb): PlatformDb {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const real: unknown = Reflect.get(target, prop, receiver)
      if (typeof real !== 'function') return real
      if (prop !== 'saveAlertIf') return real.bind(target)
      return (alert: Alert, expected: number | null): boolean => {
        const write = injectEvery ? interleaved[0] : interleaved.shift()
        write?.(target)
        return target.saveAlertIf(alert, expected)
      }
    }
  })
}

/** What rules does on a rise: the level, a history entry and a newer `updatedAt`, through the DB. */
function rulesRaisesToRed(id: string): (db: PlatformDb) => void {
  return (db) => {
    const alert = db.getAlert(id)
    if (alert === undefined) throw new Error(`no alert ${id}`)
    const at = alert.updatedAt + 1
    db.saveAlert({ ...alert, level: 'red', peakLevel: 'red', updatedAt: at, history: [...alert.history, { at, from: alert.level, to: 'red', evidence: [] }] })
  }
}

let h: Harness
let token: string

beforeAll(async () => {
  h = await startHarness({ wrapDb: interleaving })
  token = (await login(h, 'officerA')).token
})
afterAll(async () => {
  await h.close()
})

function post(url: string, payload: object) {
  return h.dashboard.fastify.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload })
}

describe('alert actions are compare-and-set', () => {
  test.each([
    ['acknowledge', '/ack', {}, { state: 'acknowledged' }],
    ['escalate', '/escalate', {}, { escalations: [expect.objectContaining({ toRegion: '431100' })] }],
    ['resolve', '/resolve', { disposition: 'evacuated' }, { state: 'resolved', disposition: 'evacuated' }],
    ['note', '/note', { note: '现场巡查无新裂缝' }, { state: 'open' }]
  ])('%s racing a rules write is applied again and keeps both changes', async (action, path, payload, expected) => {
    const id = `cas-${action}`
    h.db.saveAlert(makeAlert(id, 'site-a'))
    interleaved.push(rulesRaisesToRed(id))
    const res = await post(`/api/alerts/${id}${path}`, payload)
    expect(res.statusCode).toBe(200)
    expect(interleaved).toHaveLength(0)
    const stored = h.db.getAlert(id)
    expect(stored).toEqual((res.json() as { alert: Alert }).alert)
    expect(stored).toMatchObject({ ...expected, level: 'red', actions: [expect.objectContaining({ action, by: 'officer-a' })] })
    expect(stored?.history.map((c) => c.to)).toEqual(['orange', 'red'])
  })

  test('an alert that keeps changing is 409 GH_ERR_ALERT_CONFLICT and only the other writer’s changes stay', async () => {
    h.db.saveAlert(makeAlert('cas-busy', 'site-a'))
    interleaved.push(rulesRaisesToRed('cas-busy'))
    injectEvery = true
    try {
      const res = await post('/api/alerts/cas-busy/ack', {})
      expect(res.statusCode).toBe(409)
      expect(res.json()).toMatchObject({ code: 'GH_ERR_ALERT_CONFLICT' })
    } finally {
      injectEvery = false
      interleaved.length = 0
    }
    expect(h.db.getAlert('cas-busy')).toMatchObject({ state: 'open', level: 'red', actions: [] })
  })

  test('updatedAt moves past a stored one that is ahead of the dashboard clock', async () => {
    const ahead = T0 + 3_600_000
    h.db.saveAlert(makeAlert('cas-ahead', 'site-a', { updatedAt: ahead }))
    const res = await post('/api/alerts/cas-ahead/note', { note: '时钟测试' })
    expect(res.json()).toMatchObject({ alert: { updatedAt: ahead + 1, actions: [{ action: 'note', note: '时钟测试' }] } })
  })

  test('a note is taken on a resolved alert; an empty note is 400', async () => {
    h.db.saveAlert(makeAlert('cas-closed', 'site-a', { state: 'resolved', resolvedAt: T0, disposition: 'hazard_ended' }))
    expect((await post('/api/alerts/cas-closed/note', { note: '回访：坡体稳定' })).statusCode).toBe(200)
    expect((await post('/api/alerts/cas-closed/note', { note: '  ' })).statusCode).toBe(400)
    expect((await post('/api/alerts/cas-closed/ack', {})).json()).toMatchObject({ code: 'GH_ERR_ALERT_STATE' })
  })
})

test.each([
  [100, 50, 101],
  [100, 100, 101],
  [100, 500, 500]
])('nextUpdatedAt(previous %i, now %i) = %i', (previous, now, expected) => {
  expect(nextUpdatedAt(previous, now)).toBe(expected)
})
