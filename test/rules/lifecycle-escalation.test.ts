import pino from 'pino'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { applyAlertCommand } from '../../dashboard/alert-actions.js'
import { alertEventSchema, type Alert, type AlertEvent, type AlertLevel, type SiteLevel } from '../../domain/index.js'
import { casAlert } from '../../rules/alert-cas.js'
import { createAlertSink, type AlertSink, type Publisher } from '../../rules/alert-sink.js'
import type { Transition } from '../../rules/engine.js'
import { callsOnRise, planLadder, recordCalls } from '../../rules/escalation.js'
import { createEscalator, type Escalator } from '../../rules/escalation-timers.js'
import { createAddresser } from '../../rules/notification.js'
import { DEFAULT_ESCALATION } from '../../rules/tables-escalation.js'
import type { PlatformDb } from '../../store/platform-db.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { defaultTables, H, MIN, T0 } from './helpers.js'

// 江华瑶族自治县 → 永州市 → 湖南省 → the ministry.
const COUNTY = '431129'
const CITY = '431100'
const PROVINCE = '430000'
const NATION = '000000'
const SITE = 'S-JH-001'
const table = DEFAULT_ESCALATION

function openAlert(level: AlertLevel, over: Partial<Alert> = {}): Alert {
  return {
    id: 'a-1',
    siteId: SITE,
    county: COUNTY,
    level,
    peakLevel: level,
    state: 'open',
    openedAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    disposition: null,
    history: [{ at: T0, from: 'none', to: level, evidence: [] }],
    actions: [],
    escalations: [{ at: T0, toRegion: COUNTY, reason: 'county called' }],
    ...over
  }
}

describe('叫应 ladder (pure)', () => {
  test('the shipped table is the one in config/rules-default.json', () => {
    expect(defaultTables().escalation).toEqual(DEFAULT_ESCALATION)
  })

  test.each<[AlertLevel, string[]]>([
    ['blue', [COUNTY]],
    ['yellow', [COUNTY]],
    ['orange', [COUNTY, PROVINCE]],
    ['red', [COUNTY, PROVINCE, NATION]]
  ])('a %s alert calls %j at once', (level, regions) => {
    expect(callsOnRise(openAlert(level), table).map((c) => c.toRegion)).toEqual(regions)
  })

  test.each<[string, number, string[], number | null]>([
    ['just called', 0, [], T0 + 30 * MIN],
    ['29 min', 29, [], T0 + 30 * MIN],
    ['30 min: city', 30, [CITY], T0 + 60 * MIN],
    ['61 min, nobody called yet: city and province', 61, [CITY, PROVINCE], T0 + 120 * MIN],
    ['3 h: every rung', 180, [CITY, PROVINCE, NATION], null]
  ])('unacknowledged, %s', (_name, afterMin, regions, nextAtMs) => {
    const plan = planLadder(openAlert('yellow'), table, T0 + afterMin * MIN)
    expect(plan.due.map((c) => c.toRegion)).toEqual(regions)
    expect(plan.nextAtMs).toBe(nextAtMs)
  })

  test('rungs already called since the county call (by the ladder, at once, or by an officer) are not called again', () => {
    const calledProvince = openAlert('orange', { escalations: [{ at: T0, toRegion: COUNTY, reason: '' }, { at: T0, toRegion: PROVINCE, reason: '' }] })
    expect(planLadder(calledProvince, table, T0 + 3 * H).due.map((c) => c.toRegion)).toEqual([CITY, NATION])
    // A call before the latest county call belongs to an earlier ladder (before a raise).
    const raised = openAlert('orange', { escalations: [{ at: T0, toRegion: CITY, reason: '' }, { at: T0 + H, toRegion: COUNTY, reason: '' }] })
    expect(planLadder(raised, table, T0 + H + 30 * MIN).due.map((c) => c.toRegion)).toEqual([CITY])
  })

  test.each<[string, Partial<Alert>]>([
    ['acknowledged', { state: 'acknowledged' }],
    ['resolved', { state: 'resolved', resolvedAt: T0, disposition: 'false_alarm' }]
  ])('%s: the ladder stops', (_name, over) => {
    expect(planLadder(openAlert('red', over), table, T0 + 5 * H)).toEqual({ due: [], nextAtMs: null })
  })

  test('an open alert that never called anyone calls its county now', () => {
    expect(planLadder(openAlert('yellow', { escalations: [] }), table, T0).due.map((c) => c.toRegion)).toEqual([COUNTY])
  })

  test('recording calls moves updatedAt strictly forward', () => {
    const a = openAlert('yellow', { updatedAt: T0 + 5 * H })
    const b = recordCalls(a, [{ rung: 'city', toRegion: CITY, reason: 'x' }], T0 + H)
    expect(b.updatedAt).toBe(T0 + 5 * H + 1)
    expect(b.escalations.at(-1)).toEqual({ at: T0 + H, toRegion: CITY, reason: 'x' })
  })
})

function transition(from: SiteLevel, to: SiteLevel, at = T0): Transition {
  return { siteId: SITE, county: COUNTY, from, to, at, evidence: [] }
}

describe('叫应 in the shell, fake timers', () => {
  let db: PlatformDb
  let events: AlertEvent[]
  let sink: AlertSink
  const escalators: Escalator[] = []
  const log = pino({ level: 'silent' })
  const publisher: Publisher = {
    publish(topic, payload) {
      if (topic.startsWith('gh/alert/')) events.push(alertEventSchema.parse(JSON.parse(payload.toString())))
    }
  }

  function startEscalator(): Escalator {
    const escalator = createEscalator({ db, publisher, log, escalation: table, addresser: createAddresser(db, table.roles, log), now: Date.now })
    escalators.push(escalator)
    return escalator
  }

  function startSink(escalator: Escalator): AlertSink {
    return createAlertSink({ db, publisher, log, escalation: table, addresser: createAddresser(db, table.roles, log), now: Date.now, onAlert: (a) => escalator.track(a) })
  }

  const regionsCalled = (): Array<[number, string]> =>
    (db.activeAlertForSite(SITE) ?? db.listAlerts({ siteId: SITE })[0])?.escalations.map((e) => [(e.at - T0) / MIN, e.toRegion]) ?? []
  const escalatedTo = (): string[][] => events.filter((e) => e.kind === 'escalated').map((e) => e.alert.escalations.map((x) => x.toRegion))

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
    db = openPlatformDb(':memory:')
    for (const [username, region, role] of [
      ['jh-duty', COUNTY, 'duty_officer'],
      ['jh-viewer', COUNTY, 'viewer'],
      ['yz-duty', CITY, 'duty_officer'],
      ['hn-chief', PROVINCE, 'supervisor']
    ] as const) {
      db.createUser({ username, password: 'duty-password', role, region, displayName: username })
    }
    events = []
    sink = startSink(startEscalator())
  })

  afterEach(() => {
    for (const e of escalators.splice(0)) e.close()
    db.close()
    vi.useRealTimers()
  })

  test('the ladder: county at once, city at 30 min, province at 60, ministry at 120; one escalated event per step', () => {
    sink.handle(transition('none', 'yellow'))
    expect(events.map((e) => e.kind)).toEqual(['opened', 'escalated'])
    const opened = db.activeAlertForSite(SITE)
    // The duty officer and the supervisor roles are called; a viewer is not.
    expect(opened?.escalations).toEqual([{ at: T0, toRegion: COUNTY, reason: 'yellow: county called (jh-duty)' }])

    vi.advanceTimersByTime(30 * MIN - 1)
    expect(regionsCalled()).toEqual([[0, COUNTY]])
    vi.advanceTimersByTime(1)
    expect(regionsCalled()).toEqual([[0, COUNTY], [30, CITY]])
    vi.advanceTimersByTime(30 * MIN)
    vi.advanceTimersByTime(60 * MIN)
    vi.advanceTimersByTime(10 * H)
    expect(regionsCalled()).toEqual([[0, COUNTY], [30, CITY], [60, PROVINCE], [120, NATION]])
    expect(escalatedTo()).toEqual([[COUNTY], [COUNTY, CITY], [COUNTY, CITY, PROVINCE], [COUNTY, CITY, PROVINCE, NATION]])
    expect(db.activeAlertForSite(SITE)?.escalations.map((e) => e.reason)).toEqual([
      'yellow: county called (jh-duty)',
      'unacknowledged 30 min: city called (yz-duty)',
      'unacknowledged 60 min: province called (hn-chief)',
      'unacknowledged 120 min: nation called (no duty officer registered)'
    ])
  })

  test('red calls the province and the ministry at once, then the city when due', () => {
    sink.handle(transition('none', 'red'))
    expect(regionsCalled()).toEqual([[0, COUNTY], [0, PROVINCE], [0, NATION]])
    vi.advanceTimersByTime(5 * H)
    expect(regionsCalled()).toEqual([[0, COUNTY], [0, PROVINCE], [0, NATION], [30, CITY]])
  })

  test('acknowledgement stops the ladder, even when rules only finds out when the timer fires', () => {
    sink.handle(transition('none', 'orange'))
    vi.advanceTimersByTime(45 * MIN)
    expect(regionsCalled()).toEqual([[0, COUNTY], [0, PROVINCE], [30, CITY]])
    // The dashboard acknowledges (its own code, its own write); rules is not told.
    const current = db.activeAlertForSite(SITE) as Alert
    const acked = applyAlertCommand(current, { action: 'acknowledge' }, 'jh-duty', Date.now())
    if (!acked.ok) throw new Error(acked.reason)
    db.saveAlert(acked.value)
    vi.advanceTimersByTime(10 * H)
    expect(regionsCalled()).toEqual([[0, COUNTY], [0, PROVINCE], [30, CITY]])
    expect(db.activeAlertForSite(SITE)?.state).toBe('acknowledged')
    expect(escalators[0]?.stats()).toMatchObject({ escalations: 1, armed: 0 })
  })

  test('a raise of an acknowledged alert calls again and restarts the ladder from the raise', () => {
    sink.handle(transition('none', 'yellow'))
    vi.advanceTimersByTime(10 * MIN)
    const acked = applyAlertCommand(db.activeAlertForSite(SITE) as Alert, { action: 'acknowledge' }, 'jh-duty', Date.now())
    if (!acked.ok) throw new Error(acked.reason)
    db.saveAlert(acked.value)
    vi.advanceTimersByTime(50 * MIN)
    sink.handle(transition('yellow', 'orange', T0 + H))
    expect(db.activeAlertForSite(SITE)?.state).toBe('open')
    vi.advanceTimersByTime(30 * MIN)
    expect(regionsCalled()).toEqual([[0, COUNTY], [60, COUNTY], [60, PROVINCE], [90, CITY]])
  })

  test('an officer’s manual escalation counts as that rung', () => {
    sink.handle(transition('none', 'yellow'))
    vi.advanceTimersByTime(5 * MIN)
    const escalated = applyAlertCommand(db.activeAlertForSite(SITE) as Alert, { action: 'escalate' }, 'jh-duty', Date.now())
    if (!escalated.ok) throw new Error(escalated.reason)
    db.saveAlert(escalated.value)
    escalators[0]?.track(escalated.value)
    vi.advanceTimersByTime(3 * H)
    expect(regionsCalled()).toEqual([[0, COUNTY], [5, CITY], [60, PROVINCE], [120, NATION]])
  })

  test('a restart in the middle of the ladder resumes from the stored calls: none lost, none twice', () => {
    sink.handle(transition('none', 'yellow'))
    vi.advanceTimersByTime(40 * MIN)
    expect(regionsCalled()).toEqual([[0, COUNTY], [30, CITY]])
    // The service dies at +40 min and is back at +75: the province call (due at +60) was missed.
    escalators[0]?.close()
    vi.advanceTimersByTime(35 * MIN)
    expect(regionsCalled()).toEqual([[0, COUNTY], [30, CITY]])
    const restarted = startEscalator()
    expect(restarted.resume()).toBe(1)
    expect(regionsCalled()).toEqual([[0, COUNTY], [30, CITY], [75, PROVINCE]])
    // A second restart right away finds nothing due.
    restarted.close()
    startEscalator().resume()
    vi.advanceTimersByTime(45 * MIN - 1)
    expect(regionsCalled()).toEqual([[0, COUNTY], [30, CITY], [75, PROVINCE]])
    vi.advanceTimersByTime(1)
    expect(regionsCalled()).toEqual([[0, COUNTY], [30, CITY], [75, PROVINCE], [120, NATION]])
    expect(escalatedTo().map((r) => r.at(-1))).toEqual([COUNTY, CITY, PROVINCE, NATION])
  })

  test('a province partition resumes only its own alerts', () => {
    sink.handle(transition('none', 'yellow'))
    escalators[0]?.close()
    expect(startEscalator().resume('510000')).toBe(0)
    expect(startEscalator().resume('430000')).toBe(1)
  })

  test('compare-and-set: a dashboard write between our read and our save is kept, ours re-applied on top', () => {
    sink.handle(transition('none', 'yellow'))
    const before = db.activeAlertForSite(SITE) as Alert
    let attempts = 0
    const outcome = casAlert(
      db,
      () => db.getAlert(before.id),
      (current) => {
        attempts++
        if (attempts === 1) {
          // The officer acknowledges after our read.
          const acked = applyAlertCommand(current as Alert, { action: 'acknowledge' }, 'jh-duty', T0 + MIN)
          if (acked.ok) db.saveAlert(acked.value)
        }
        return { alert: recordCalls(current as Alert, [{ rung: 'city', toRegion: CITY, reason: 'test' }], T0 + 2 * MIN), value: null }
      }
    )
    expect(outcome).toMatchObject({ kind: 'saved', conflicts: 1 })
    const stored = db.getAlert(before.id)
    expect(stored?.state).toBe('acknowledged')
    expect(stored?.escalations.map((e) => e.toRegion)).toEqual([COUNTY, CITY])
    expect(attempts).toBe(2)
  })

  test('saveAlertIf refuses a stale version and a duplicate insert', () => {
    sink.handle(transition('none', 'blue'))
    const a = db.activeAlertForSite(SITE) as Alert
    expect(db.saveAlertIf({ ...a, level: 'red', updatedAt: a.updatedAt + 1 }, a.updatedAt - 1)).toBe(false)
    expect(db.saveAlertIf({ ...a, updatedAt: a.updatedAt + 1 }, null)).toBe(false)
    expect(db.saveAlertIf({ ...a, level: 'yellow', updatedAt: a.updatedAt + 1 }, a.updatedAt)).toBe(true)
    expect(db.getAlert(a.id)?.level).toBe('yellow')
  })
})
