import { h } from '../dom.js'
import { levelName, t } from '../i18n.js'
import { isUrgent } from '../levels.js'
import { go, href } from '../router.js'
import { playCue } from '../sound.js'
import type { Store } from '../store.js'

// Blue and yellow notices step aside after a while; orange and red stay until someone closes them.
const calmToastMs = 12_000
const maxToasts = 4

/**
 * Brings each new or raised warning to the officer wherever they are in the app: a toast, and for
 * orange and red a sound cue.
 */
export function renderToasts(store: Store, container: HTMLElement): () => void {
  const box = h('div', { class: 'toasts', 'aria-live': 'assertive', 'data-testid': 'toasts' })
  container.append(box)
  const off = store.on('alerts', (changed) => {
    if (changed === null || changed.change === 'update' || changed.alert.state === 'resolved') return
    const { alert, change } = changed
    if (isUrgent(alert.level)) playCue(alert.level)
    const info = store.siteInfoOf(alert.siteId)
    const open = h('button', { type: 'button', class: 'btn' }, t('toast.open'))
    const close = h('button', { type: 'button', class: 'btn', 'aria-label': t('toast.close') }, '×')
    const toast = h(
      'div',
      { class: `toast level-${alert.level}`, role: 'alert', 'data-testid': 'toast', 'data-alert-id': alert.id, 'data-level': alert.level },
      h('strong', {}, change === 'new' ? t('toast.new') : t('toast.raised'), ' · ', levelName(alert.level)),
      h('div', {}, info?.name ?? alert.siteId, info === undefined ? '' : ` · ${info.countyName}`),
      h('div', { class: 'row' }, open, close)
    )
    open.addEventListener('click', () => {
      toast.remove()
      go(href.site(alert.siteId))
    })
    close.addEventListener('click', () => toast.remove())
    if (!isUrgent(alert.level)) setTimeout(() => toast.remove(), calmToastMs)
    box.prepend(toast)
    while (box.children.length > maxToasts) box.lastElementChild?.remove()
  })
  return () => {
    off()
    box.remove()
  }
}
