import { api, describeError } from '../api.js'
import { h, setChildren } from '../dom.js'
import { formatTime, lang, t, type MessageKey } from '../i18n.js'
import type { Health } from '../types.js'

const REFRESH_MS = 5_000

/**
 * The platform's own health for the duty officer and the operator: stores, the broker link,
 * ingest's spool (how much is waiting on disk and for how long) and each service's last report.
 */
export function renderHealth(container: HTMLElement): () => void {
  const body = h('div', { class: 'health-body' }, h('p', { class: 'muted' }, t('loading')))
  const page = h('section', { class: 'health panel', 'data-testid': 'health' }, h('h2', {}, t('health.title')), body)
  container.append(page)

  let disposed = false
  let timer: number | undefined
  const load = async (): Promise<void> => {
    try {
      const health = await api.health()
      if (!disposed) setChildren(body, ...healthView(health, Date.now()))
    } catch (err) {
      if (!disposed) setChildren(body, h('p', { class: 'error', role: 'alert' }, t('error.generic', { reason: describeError(err) })))
    }
    if (!disposed) timer = window.setTimeout(() => void load(), REFRESH_MS)
  }
  void load()
  return () => {
    disposed = true
    window.clearTimeout(timer)
    page.remove()
  }
}

function healthView(health: Health, now: number): HTMLElement[] {
  const ok = health.status === 'ok'
  const upDown = (up: boolean): HTMLElement => h('span', { class: up ? 'state-ok' : 'state-bad' }, t(up ? 'health.up' : 'health.down'))
  return [
    h('p', { class: `health-status ${ok ? 'state-ok' : 'state-bad'}`, 'data-testid': 'health-status', 'data-status': health.status }, t(ok ? 'health.ok' : 'health.degraded')),
    h('h3', {}, t('health.components')),
    table(
      [t('health.components'), t('health.status')],
      [
        [t('health.readingsStore', { kind: health.readingsStore.kind === 'influxdb' ? 'InfluxDB' : 'SQLite' }), upDown(health.readingsStore.ok)],
        [t('health.platformDb'), upDown(health.platformDb.ok)],
        [t('health.broker'), upDown(health.broker.connected)]
      ]
    ),
    h('h3', {}, t('health.spool')),
    health.spools.length === 0
      ? h('p', { class: 'muted' }, t('health.noSpool'))
      : table(
          [t('health.service'), t('health.status'), t('health.spoolBatches'), t('health.spoolReadings'), t('health.spoolSize'), t('health.spoolAge')],
          health.spools.map((s) => [
            s.key,
            h(
              'span',
              { class: s.state === 'full' || s.state === 'error' ? 'state-bad' : s.state === 'draining' ? 'state-warn' : 'state-ok', 'data-testid': 'spool-state', 'data-state': s.state, title: s.lastError ?? '' },
              t(`health.spoolState.${s.state}` as MessageKey)
            ),
            s.batches,
            s.readings,
            formatBytes(s.bytes),
            s.oldestAgeMs > 0 ? formatDuration(s.oldestAgeMs) : '—'
          ]),
          'spools'
        ),
    h('h3', {}, t('health.services')),
    table(
      [t('health.service'), t('health.source'), t('health.status'), t('health.reportedAt')],
      Object.entries(health.services).map(([key, r]) => [
        key,
        t(r.source === 'in-process' ? 'health.sourceLocal' : 'health.sourceMqtt'),
        h('span', { class: r.online && !r.stale ? 'state-ok' : 'state-bad' }, t(!r.online ? 'health.offline' : r.stale ? 'health.stale' : 'health.online')),
        formatTime(r.reportedAt)
      ]),
      'services'
    ),
    h('p', { class: 'muted' }, t('health.updated', { time: formatTime(now) }))
  ]
}

function table(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<HTMLElement | string | number>>, testId?: string): HTMLElement {
  return h(
    'table',
    { class: 'health-table', ...(testId === undefined ? {} : { 'data-testid': testId }) },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))))
  )
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  const [d, hh, mm, ss] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60), s % 60]
  const units = lang() === 'zh' ? ['天', '小时', '分', '秒'] : ['d', 'h', 'min', 's']
  const parts = [d, hh, mm, ss].map((v, i) => (v > 0 ? `${v} ${units[i] ?? ''}` : '')).filter((p) => p !== '')
  // The two largest units are enough to judge how long the store has been away.
  return parts.length === 0 ? `0 ${units[3] ?? ''}` : parts.slice(0, 2).join(' ')
}
