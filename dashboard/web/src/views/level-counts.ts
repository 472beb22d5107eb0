import { h } from '../dom.js'
import { levelName, t } from '../i18n.js'
import { ALERT_LEVELS_DESC } from '../levels.js'
import type { AlertLevel } from '../types.js'

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
