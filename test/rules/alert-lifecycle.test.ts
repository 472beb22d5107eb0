import { describe, expect, test } from 'vitest'
import type { Alert, AlertLevel, SiteLevel } from '../../domain/index.js'
import { applyTransition, type AlertChangeKind } from '../../rules/alert-lifecycle.js'
import type { Transition } from '../../rules/engine.js'
import { H, T0 } from './helpers.js'

const ID = 'a-1'
const newId = () => ID

function transition(from: SiteLevel, to: SiteLevel, atH = 1): Transition {
  return { siteId: 'S1', county: '431129', from, to, at: T0 + atH * H, evidence: [] }
}

function alert(level: AlertLevel, peakLevel: AlertLevel, state: Alert['state'] = 'open'): Alert {
  return {
    id: 'a-0',
    siteId: 'S1',
    county: '431129',
    level,
    peakLevel,
    state,
    openedAt: T0,
    updatedAt: T0,
    resolvedAt: state === 'resolved' ? T0 : null,
    disposition: state === 'resolved' ? 'false_alarm' : null,
    history: [{ at: T0, from: 'none', to: level, evidence: [] }],
    actions: state === 'acknowledged' ? [{ at: T0, by: 'officer', action: 'acknowledge' }] : [],
    escalations: []
  }
}

describe('alert lifecycle', () => {
  test.each<[string, Alert | undefined, Transition, AlertChangeKind | null, Partial<Alert>]>([
    ['no alert, rise → opened', undefined, transition('none', 'blue'), 'opened', { id: ID, level: 'blue', peakLevel: 'blue', state: 'open' }],
    ['resolved alert, rise → a new episode', alert('yellow', 'yellow', 'resolved'), transition('yellow', 'orange'), 'opened', { id: ID, level: 'orange' }],
    ['no alert, fall → nothing', undefined, transition('yellow', 'blue'), null, {}],
    ['open, rise → raised, peak follows', alert('blue', 'blue'), transition('blue', 'orange'), 'raised', { id: 'a-0', level: 'orange', peakLevel: 'orange', state: 'open' }],
    // 叫应: a raise calls again, so an acknowledged alert goes back to open.
    ['acknowledged, rise → raised and open again', alert('yellow', 'yellow', 'acknowledged'), transition('yellow', 'red'), 'raised', { level: 'red', state: 'open', actions: [{ at: T0, by: 'officer', action: 'acknowledge' }] }],
    ['acknowledged, fall → lowered, still acknowledged', alert('orange', 'orange', 'acknowledged'), transition('orange', 'yellow'), 'lowered', { level: 'yellow', peakLevel: 'orange', state: 'acknowledged' }],
    ['blue/yellow episode to none → resolved automatically', alert('blue', 'yellow'), transition('blue', 'none'), 'resolved', { state: 'resolved', resolvedAt: T0 + H, disposition: 'hazard_ended', level: 'blue' }],
    // Orange/red need an officer to close (domain.md §1).
    ['orange episode to none → lowered, stays open', alert('blue', 'orange'), transition('blue', 'none'), 'lowered', { state: 'open', level: 'blue', resolvedAt: null }],
    ['awaiting the officer, rises again → same alert raised', alert('blue', 'red'), transition('none', 'yellow'), 'raised', { id: 'a-0', level: 'yellow', peakLevel: 'red' }]
  ])('%s', (_name, current, t, kind, expected) => {
    const change = applyTransition(current, t, newId)
    expect(change?.kind ?? null).toBe(kind)
    if (change === null) return
    expect(change.alert).toMatchObject(expected)
    expect(change.alert.history.at(-1)).toEqual({ at: t.at, from: t.from, to: t.to, evidence: [] })
    expect(change.alert.updatedAt).toBe(t.at)
  })
})
