import { h, setChildren } from '../dom.js'
import { t } from '../i18n.js'
import { href } from '../router.js'
import type { ConnectionState, Store } from '../store.js'
import { langSwitch } from './lang-switch.js'

export interface Shell {
  readonly root: HTMLElement
  /** Where the route's view goes. */
  readonly main: HTMLElement
  /** Where the alert feed goes (kept across routes). */
  readonly side: HTMLElement
  dispose(): void
}

/** Header, connection state, the main area and the side column of the logged-in app. */
export function renderShell(store: Store, onLogout: () => void): Shell {
  const status = h('span', { class: 'conn', 'data-testid': 'connection' })
  const banner = h('div', { class: 'stale-banner', role: 'alert', 'data-testid': 'stale-banner', hidden: true }, t('conn.lost'))
  // The officer's name opens their own account page (change password).
  const user = h('a', { class: 'user nav-link', href: href.account(), 'data-testid': 'nav-account', title: t('account.title') })
  // Shown to administrators only; the server refuses everyone else anyway (403).
  const admin = h('a', { class: 'nav-link', href: href.adminUsers(), 'data-testid': 'nav-admin', hidden: true }, t('nav.admin'))
  const logout = h('button', { type: 'button', class: 'link-button', 'data-testid': 'logout' }, t('logout'))
  logout.addEventListener('click', onLogout)

  const main = h('main', { class: 'view', id: 'view' })
  const side = h('aside', { class: 'side', 'aria-label': t('feed.title') })
  const root = h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: href.overview() }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '▲'), t('appTitle')),
      status,
      h('span', { class: 'spacer' }),
      h('a', { class: 'nav-link', href: href.stats(), 'data-testid': 'nav-stats' }, t('nav.stats')),
      h('a', { class: 'nav-link', href: href.health(), 'data-testid': 'nav-health' }, t('nav.health')),
      admin,
      user,
      langSwitch(),
      logout
    ),
    banner,
    main,
    side
  )

  const showConnection = (state: ConnectionState): void => {
    status.dataset.state = state
    status.textContent = state === 'live' ? `● ${t('conn.live')}` : state === 'lost' ? `● ${t('conn.lost').split(/[，,]/)[0] ?? ''}` : t('conn.connecting')
    banner.hidden = state !== 'lost'
    root.classList.toggle('is-stale', state === 'lost')
  }
  const showUser = (): void => {
    const s = store.session
    setChildren(user, s === null ? '' : s.displayName || s.username)
    admin.hidden = s?.role !== 'admin'
  }
  showConnection(store.connection)
  showUser()
  const offs = [store.on('connection', showConnection), store.on('session', showUser)]
  return {
    root,
    main,
    side,
    dispose() {
      for (const off of offs) off()
      root.remove()
    }
  }
}
