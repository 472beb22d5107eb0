import type { DevicePresence } from '../../../../domain/socket-events.js'
import { h, setChildren } from '../dom.js'
import { ct, sensorTypeName } from '../chart-text.js'
import { LOW_BATTERY_PCT, sensorHealth } from '../device-health.js'
import { formatAgo, formatTime, sensorStateName, t } from '../i18n.js'
import type { DeviceStatus, SiteDevice } from '../types.js'

export interface DeviceList {
  readonly el: HTMLElement
  presence(p: DevicePresence): void
  seen(deviceId: string, ts: number): void
}

/** Devices of a site with their health: online, last report, battery, signal, sensor states. */
export function deviceList(devices: readonly SiteDevice[], statuses: readonly DeviceStatus[]): DeviceList {
  const statusOf = new Map(statuses.map((s) => [s.deviceId, s]))
  const state = new Map(devices.map((d) => [d.id, { online: d.online, lastSeen: d.lastSeen }]))
  const cells = new Map<string, { online: HTMLTableCellElement; lastSeen: HTMLTableCellElement; row: HTMLTableRowElement }>()

  const rows = devices.map((d) => {
    const online = h('td')
    const lastSeen = h('td')
    const st = statusOf.get(d.id)
    const row = h(
      'tr',
      { 'data-testid': 'device-row', 'data-device-id': d.id },
      h('td', {}, h('code', {}, d.id), d.model === undefined ? '' : h('div', { class: 'muted small' }, d.model)),
      online,
      lastSeen,
      h('td', { class: 'num', 'data-testid': 'device-battery' }, battery(st)),
      h('td', { class: 'num', 'data-testid': 'device-signal' }, signal(st)),
      h('td', {}, sensorStates(d, st))
    )
    cells.set(d.id, { online, lastSeen, row })
    return row
  })

  const draw = (deviceId: string): void => {
    const c = cells.get(deviceId)
    const s = state.get(deviceId)
    if (c === undefined || s === undefined) return
    c.row.dataset.online = String(s.online)
    setChildren(
      c.online,
      h(
        'span',
        { class: `pill ${s.online === true ? 'ok' : s.online === false ? 'bad' : ''}` },
        s.online === true ? t('dev.isOnline') : s.online === false ? t('dev.isOffline') : t('dev.unknown')
      )
    )
    const st = statusOf.get(deviceId)
    setChildren(
      c.lastSeen,
      s.lastSeen === null ? '—' : h('span', { title: formatTime(s.lastSeen) }, formatAgo(s.lastSeen, Date.now())),
      st === undefined ? '' : h('div', { class: 'muted small' }, ct('statusAt', { time: formatTime(st.ts) }))
    )
  }
  for (const d of devices) draw(d.id)

  const table = h(
    'table',
    { class: 'table' },
    h(
      'thead',
      {},
      h('tr', {}, ...(['dev.id', 'dev.online', 'dev.lastSeen', 'dev.battery', 'dev.signal', 'dev.sensorState'] as const).map((k) => h('th', {}, t(k))))
    ),
    h('tbody', {}, ...rows)
  )
  const el = h(
    'section',
    { class: 'panel devices', 'data-testid': 'device-list' },
    h('h3', {}, t('site.devices')),
    devices.length === 0 ? h('p', { class: 'muted' }, t('site.noDevices')) : h('div', { class: 'table-wrap' }, table)
  )
  return {
    el,
    presence(p) {
      const s = state.get(p.deviceId)
      if (s === undefined) return
      s.online = p.online
      if (p.online) s.lastSeen = Math.max(s.lastSeen ?? 0, p.since)
      draw(p.deviceId)
    },
    seen(deviceId, ts) {
      const s = state.get(deviceId)
      if (s === undefined) return
      s.online = true
      s.lastSeen = Math.max(s.lastSeen ?? 0, ts)
      draw(deviceId)
    }
  }
}

/** Charge and voltage as reported, the external and solar supply beneath; a low charge is flagged. */
function battery(st: DeviceStatus | undefined): HTMLElement | string {
  if (st === undefined) return '—'
  const main = [st.batteryPct === undefined ? null : `${Math.round(st.batteryPct)} %`, st.batteryV === undefined ? null : `${st.batteryV.toFixed(2)} V`].filter((p) => p !== null)
  const supply = [
    st.extPowerV === undefined ? null : `${ct('extPower')} ${st.extPowerV.toFixed(1)} V`,
    st.solarV === undefined ? null : `${ct('solar')} ${st.solarV.toFixed(1)} V`
  ].filter((p) => p !== null)
  if (main.length === 0 && supply.length === 0) return '—'
  const low = st.batteryPct !== undefined && st.batteryPct < LOW_BATTERY_PCT
  return h(
    'span',
    {},
    h('span', low ? { class: 'pill bad', title: ct('lowBattery') } : {}, main.length === 0 ? '—' : main.join(' · ')),
    supply.length === 0 ? '' : h('div', { class: 'muted small' }, supply.join(' · '))
  )
}

function signal(st: DeviceStatus | undefined): string {
  if (st === undefined) return '—'
  const parts = [
    st.signal4g === undefined ? null : `4G ${st.signal4g}`,
    st.signalNb === undefined ? null : `NB ${st.signalNb}`,
    st.signalBd === undefined ? null : `BD ${st.signalBd}`
  ].filter((p) => p !== null)
  return parts.length === 0 ? '—' : parts.join(' · ')
}

/** Every registered sensor with its type and `sensor_state`, and any point code only the status names. */
function sensorStates(d: SiteDevice, st: DeviceStatus | undefined): HTMLElement | string {
  const rows = sensorHealth(d.sensors, st)
  if (rows.length === 0) return '—'
  return h(
    'ul',
    { class: 'sensor-states' },
    ...rows.map((r) =>
      h(
        'li',
        { class: r.code === undefined || r.code === 0 ? '' : 'bad', 'data-testid': 'sensor-state', 'data-sensor-id': r.id, 'data-code': r.code === undefined ? '' : String(r.code) },
        h('code', {}, r.id),
        r.type === undefined ? '' : ` ${sensorTypeName(r.type)}`,
        ': ',
        r.code === undefined ? h('span', { class: 'muted' }, ct('noStatus')) : sensorStateName(r.code)
      )
    )
  )
}
