import { h } from '../dom.js'
import { formatTime, levelName, t } from '../i18n.js'
import { ALERT_LEVELS_DESC } from '../levels.js'
import { href } from '../router.js'
import type { AlertLevel, OfflineDevicesResponse } from '../types.js'

/** Active warnings by level, red first: the first thing an officer reads on the overview. */
export function levelCounts(counts: Readonly<Record<AlertLevel, number>>): HTMLElement {
  return h(
    'div',
    { class: 'level-counts', 'data-testid': 'level-counts', 'aria-label': t('overview.activeWarnings') },
    h('span', { class: 'muted' }, t('overview.activeWarnings')),
    ...ALERT_LEVELS_DESC.map((level) =>
      h(
        'span',
        { class: `count-chip level-${level}${counts[level] > 0 ? '' : ' is-zero'}`, 'data-level': level, 'data-count': counts[level] },
        h('b', {}, counts[level]),
        ' ',
        levelName(level)
      )
    )
  )
}

/**
 * Devices offline in the region, next to the warning counts: a dead station is a blind spot. The
 * count opens the list of which, each linking to its site.
 */
export function offlineDevices(res: OfflineDevicesResponse): HTMLElement {
  const n = res.devices.length
  return h(
    'details',
    { class: `offline-devices${n > 0 ? ' has-offline' : ''}`, 'data-testid': 'offline-devices', 'data-count': n, 'data-total': res.total },
    h('summary', {}, h('span', { class: 'muted' }, t('overview.offline')), ' ', h('b', {}, t('overview.offlineOf', { n, total: res.total }))),
    n === 0
      ? null
      : h(
          'ul',
          { class: 'offline-list' },
          ...res.devices.map((d) =>
            h(
              'li',
              { 'data-testid': 'offline-device', 'data-device-id': d.id },
              h('a', { href: href.site(d.siteId) }, d.id, ' · ', d.siteName),
              h('span', { class: 'muted small' }, ` ${d.countyName} · `, d.online === null || d.lastSeen === null ? t('overview.neverSeen') : t('overview.offlineSince', { time: formatTime(d.lastSeen) }))
            )
          )
        )
  )
}
