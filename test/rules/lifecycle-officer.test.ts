import pino from 'pino'
import { describe, expect, test } from 'vitest'
import { registryFileSchema, type Alert, type AlertAction, type AlertEvent } from '../../domain/index.js'
import type { Publisher } from '../../rules/alert-sink.js'
import { createDeviceCommander } from '../../rules/device-commands.js'
import { parseOfficerEvent } from '../../rules/officer-actions.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { T0 } from './helpers.js'

function alert(actions: AlertAction[], over: Partial<Alert> = {}): Alert {
  return {
    id: 'a-1',
    siteId: 'S-JH-001',
    county: '431129',
    level: 'yellow',
    peakLevel: 'yellow',
    state: 'open',
    openedAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    disposition: null,
    history: [{ at: T0, from: 'none', to: 'yellow', evidence: [] }],
    actions,
    escalations: [],
    ...over
  }
}

const event = (kind: AlertEvent['kind'], at: number, a: Alert): Buffer => Buffer.from(JSON.stringify({ kind, at, alert: a } satisfies AlertEvent))
const ack: AlertAction = { at: T0 + 5, by: 'jh-duty', action: 'acknowledge' }

describe('what rules hears on gh/alert', () => {
  test.each<[string, Buffer, string | null]>([
    ['an officer’s acknowledgement', event('acknowledged', T0 + 5, alert([ack], { state: 'acknowledged' })), 'acknowledged by jh-duty'],
    ['an officer’s escalation', event('escalated', T0 + 9, alert([ack, { at: T0 + 9, by: 'yz-chief', action: 'escalate' }])), 'escalated by yz-chief'],
    ['an officer’s resolve', event('resolved', T0 + 9, alert([{ at: T0 + 9, by: 'jh-duty', action: 'resolve', disposition: 'evacuated' }], { state: 'resolved' })), 'resolved by jh-duty'],
    ['our own opening', event('opened', T0, alert([])), null],
    ['our own call after an officer acted earlier', event('escalated', T0 + 60, alert([ack])), null],
    ['our own hazard_ended resolve', event('resolved', T0 + 9, alert([{ at: T0 + 9, by: 'svc:rules', action: 'resolve', disposition: 'hazard_ended' }])), null]
  ])('%s → %s', (_name, payload, expected) => {
    const parsed = parseOfficerEvent(payload)
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(parsed.value === null ? null : `${parsed.value.kind} by ${parsed.value.by}`).toBe(expected)
  })

  test.each([
    ['{', 'alert event is not JSON'],
    ['{"kind":"acknowledged","at":1}', 'not an alert event: ']
  ])('%s is rejected: %s', (payload, reason) => {
    const parsed = parseOfficerEvent(Buffer.from(payload))
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.reason).toContain(reason)
  })
})

describe('device commands', () => {
  test('without an API key DZ/T devices are skipped (warned once); natives are still commanded; once per change', () => {
    const db = openPlatformDb(':memory:')
    db.importRegistry(
      registryFileSchema.parse({
        version: 1,
        sites: [{ id: 'S-JH-001', name: 'x', hazardType: 'landslide', county: '431129', location: { lon: 111.58, lat: 25.18 } }],
        devices: [
          { id: 'RG1', siteId: 'S-JH-001', dialect: 'native', sensors: [{ id: 'YL1', type: 'rain' }] },
          { id: 'SK1', siteId: 'S-JH-001', dialect: 'dzt0450', sensors: [{ id: 'L3_YL_1', type: 'rain' }] }
        ]
      })
    )
    const sent: Array<[string, string]> = []
    const publisher: Publisher = { publish: (topic, payload) => void sent.push([topic, payload.toString()]) }
    const lines: Array<Record<string, unknown>> = []
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) })
    let n = 0
    const commander = createDeviceCommander({ db, publisher, log, dztApiKey: undefined, newMsgId: () => `m${++n}` })
    commander.onAlert(alert([], { level: 'blue', peakLevel: 'blue' }))
    expect(sent).toEqual([])
    commander.onAlert(alert([]))
    commander.onAlert(alert([], { level: 'orange', peakLevel: 'orange' }))
    commander.onAlert(alert([], { level: 'blue', peakLevel: 'orange' }))
    commander.onAlert(alert([], { state: 'resolved' }))
    expect(sent).toEqual([
      ['gh/dev/RG1/cmd', '{"v":1,"msgId":"m1","command":{"cmd":"setworkmode","mode":2}}'],
      ['gh/dev/RG1/cmd', '{"v":1,"msgId":"m2","command":{"cmd":"setworkmode","mode":0}}']
    ])
    expect(commander.stats()).toEqual({ commandsSent: 2, commandsSkipped: 2, intensifiedSites: 0, sirenSites: 0 })
    expect(lines.filter((l) => String(l.msg).startsWith('GEOWARN_DZT_API_KEY'))).toHaveLength(1)
    db.close()
  })

  test('with the key a DZ/T device gets the ASCII command, apikey and msgid last', () => {
    const db = openPlatformDb(':memory:')
    db.importRegistry(
      registryFileSchema.parse({
        version: 1,
        sites: [{ id: 'S-JH-001', name: 'x', hazardType: 'landslide', county: '431129', location: { lon: 111.58, lat: 25.18 } }],
        devices: [{ id: 'SK1', siteId: 'S-JH-001', dialect: 'dzt0450', sensors: [{ id: 'L3_YL_1', type: 'rain' }] }]
      })
    )
    const sent: Array<[string, string]> = []
    const commander = createDeviceCommander({ db, publisher: { publish: (t, p) => void sent.push([t, p.toString()]) }, log: pino({ level: 'silent' }), dztApiKey: 'k1', newMsgId: () => '42' })
    commander.onAlert(alert([]))
    expect(sent).toEqual([['$creq/SK1/cmd', '$cmd=setworkmode&mode=2&apikey=k1&msgid=42']])
    db.close()
  })

  test('a debris flow at red sounds the on-site sirens (level code 0), silenced (4) when resolved', () => {
    const db = openPlatformDb(':memory:')
    db.importRegistry(
      registryFileSchema.parse({
        version: 1,
        sites: [{ id: 'S-JH-001', name: 'x', hazardType: 'debris_flow', county: '431129', location: { lon: 111.58, lat: 25.18 } }],
        devices: [
          { id: 'SK1', siteId: 'S-JH-001', dialect: 'dzt0450', sensors: [{ id: 'L4_NW_1', type: 'mud_level' }] },
          { id: 'NW2', siteId: 'S-JH-001', dialect: 'native', sensors: [{ id: 'mud1', type: 'mud_level' }] }
        ]
      })
    )
    const sent: Array<[string, string]> = []
    const commander = createDeviceCommander({ db, publisher: { publish: (t, p) => void sent.push([t, p.toString()]) }, log: pino({ level: 'silent' }), dztApiKey: 'k1', newMsgId: () => '7' })
    commander.onAlert(alert([], { level: 'orange', peakLevel: 'orange' }))
    const sirens = () => sent.filter(([, p]) => p.includes('alarm'))
    expect(sirens()).toEqual([])
    commander.onAlert(alert([], { level: 'red', peakLevel: 'red' }))
    commander.onAlert(alert([], { level: 'orange', peakLevel: 'red' }))
    expect(sirens()).toEqual([
      ['gh/dev/NW2/cmd', '{"v":1,"msgId":"7","command":{"cmd":"alarm","point":"mud1","level":"red"}}'],
      ['$creq/SK1/cmd', '$cmd=alarm&type=L4_NW_1&level=0&apikey=k1&msgid=7']
    ])
    expect(commander.stats().sirenSites).toBe(1)
    commander.onAlert(alert([], { level: 'orange', peakLevel: 'red', state: 'resolved' }))
    expect(sirens().slice(2)).toEqual([
      ['gh/dev/NW2/cmd', '{"v":1,"msgId":"7","command":{"cmd":"alarm","point":"mud1","level":"none"}}'],
      ['$creq/SK1/cmd', '$cmd=alarm&type=L4_NW_1&level=4&apikey=k1&msgid=7']
    ])
    expect(commander.stats().sirenSites).toBe(0)
    db.close()
  })

  test('a landslide at red sounds no siren', () => {
    const db = openPlatformDb(':memory:')
    db.importRegistry(
      registryFileSchema.parse({
        version: 1,
        sites: [{ id: 'S-JH-001', name: 'x', hazardType: 'landslide', county: '431129', location: { lon: 111.58, lat: 25.18 } }],
        devices: [{ id: 'SK1', siteId: 'S-JH-001', dialect: 'dzt0450', sensors: [{ id: 'L1_GP_1', type: 'gnss' }] }]
      })
    )
    const sent: string[] = []
    const commander = createDeviceCommander({ db, publisher: { publish: (_t, p) => void sent.push(p.toString()) }, log: pino({ level: 'silent' }), dztApiKey: 'k1' })
    commander.onAlert(alert([], { level: 'red', peakLevel: 'red' }))
    expect(sent.filter((p) => p.includes('alarm'))).toEqual([])
    db.close()
  })
})
