import { api, ApiError, onUnauthorized } from './api.js'
import { onLangChange, lang, t } from './i18n.js'
import { go, href, parseRoute, type Route } from './router.js'
import { openSocket, watchSite, type GeoWarnSocket } from './socket.js'
import { armSound } from './sound.js'
import { Store } from './store.js'
import type { SessionInfo } from './types.js'
import { renderAccount } from './views/account.js'
import { renderAdminUsers } from './views/admin-users.js'
import { renderAlertFeed } from './views/alert-feed.js'
import { renderAuditLog } from './views/audit-log.js'
import { renderLogin } from './views/login.js'
import { renderHealth } from './views/health.js'
import { renderOverview } from './views/overview.js'
import { renderShell, type Shell } from './views/shell.js'
import { renderSite, type LiveSite } from './views/site.js'
import { renderStats } from './views/stats.js'
import { renderToasts } from './views/toasts.js'

// Socket.IO's own first retry comes after about a second; ours matches it (our choice).
const reconnectDelayMs = 1000
const root = document.getElementById('app') ?? document.body
const store = new Store()
let socket: GeoWarnSocket | null = null
let shell: { shell: Shell; disposeFeed: () => void; disposeToasts: () => void } | null = null
let disposeView: (() => void) | null = null
/** Where to go after signing in, when the session ran out on some page. */
let afterLogin = href.overview()

const live: LiveSite = {
  async watch(siteId) {
    if (socket?.connected !== true) return false
    const res = await watchSite(socket, siteId)
    if (!res.ok) console.warn('watch-site refused', siteId, res.reason)
    return res.ok
  },
  unwatch(siteId) {
    socket?.emit('unwatch-site', siteId)
  }
}

function startLive(token: string | null): void {
  socket?.close()
  const s = openSocket(token)
  socket = s
  store.setConnection('connecting')
  s.on('connect', () => {
    store.setConnection('live')
    // On every (re)connect: events may have been missed, so nothing old is shown as current.
    Promise.all([store.refetchAlerts(), store.refetchRegions()]).catch((err: unknown) => console.warn('refetch after connect failed', err))
  })
  s.on('disconnect', (reason) => {
    store.setConnection('lost')
    // The client retries on its own except when the server hung up; then the session may be
    // gone, which the next handshake finds out (connect_error GH_ERR_UNAUTHORIZED).
    if (reason === 'io server disconnect') setTimeout(() => socket === s && s.connect(), reconnectDelayMs)
  })
  s.on('connect_error', (err) => {
    if (err.message === 'GH_ERR_UNAUTHORIZED') {
      endSession()
      return
    }
    store.setConnection('lost')
    // A refusal by the server's middleware stops the client's own retries: retry here.
    if (!s.active) setTimeout(() => socket === s && s.connect(), reconnectDelayMs)
  })
  s.on('session', (info) => store.setSession(info))
  s.on('alert', (event) => store.applyAlertEvent(event))
  s.on('site-level', (state) => store.applySiteLevel(state))
  s.on('reading', (reading) => store.emit('reading', reading))
  s.on('presence', (p) => store.emit('presence', p))
}

function endSession(): void {
  socket?.close()
  socket = null
  store.reset()
  store.setSession(null)
  const current = location.hash
  if (parseRoute(current).name !== 'login') afterLogin = current || href.overview()
  go(href.login())
}

function onLogin(user: SessionInfo, token: string): void {
  store.setSession(user)
  startLive(token)
  const target = afterLogin
  afterLogin = href.overview()
  go(target)
}

function tearDownShell(): void {
  if (shell === null) return
  shell.disposeFeed()
  shell.disposeToasts()
  shell.shell.dispose()
  shell = null
}

function ensureShell(): Shell {
  if (shell !== null) return shell.shell
  const s = renderShell(store, () => {
    api
      .logout()
      .catch((err: unknown) => console.warn('logout failed', err))
      .finally(endSession)
  })
  root.append(s.root)
  shell = { shell: s, disposeFeed: renderAlertFeed(store, s.side), disposeToasts: renderToasts(store, document.body) }
  return s
}

function render(): void {
  disposeView?.()
  disposeView = null
  const route = parseRoute(location.hash)
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en'
  if (route.name === 'login' || store.session === null) {
    tearDownShell()
    if (route.name !== 'login') {
      go(href.login())
      return
    }
    if (store.session !== null) {
      go(afterLogin)
      return
    }
    disposeView = renderLogin(root, onLogin)
    return
  }
  const s = ensureShell()
  disposeView = renderRoute(route, s.main, store.session)
  s.main.scrollTop = 0
}

/** The view of a signed-in route (login is handled before). */
function renderRoute(route: Exclude<Route, { name: 'login' }>, main: HTMLElement, me: SessionInfo): () => void {
  switch (route.name) {
    case 'site':
      return renderSite(store, live, main, route.siteId)
    case 'health':
      return renderHealth(main)
    case 'stats':
      return renderStats(store, main)
    case 'admin-users':
      return renderAdminUsers(main, me)
    case 'admin-audit':
      return renderAuditLog(main)
    case 'account':
      return renderAccount(main, me)
    case 'overview':
      return renderOverview(store, main, route.region)
  }
}

function updateTitle(): void {
  const waiting = [...store.alerts.values()].filter((a) => a.state === 'open').length
  document.title = waiting > 0 ? `(${waiting}) ${t('appTitle')}` : t('appTitle')
}

async function boot(): Promise<void> {
  armSound()
  store.on('alerts', updateTitle)
  onLangChange(() => {
    // Every label changes: rebuild the page (the live state lives in the store, not in the DOM).
    tearDownShell()
    updateTitle()
    render()
  })
  try {
    const { user } = await api.me()
    store.setSession(user)
    startLive(null)
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) console.warn('session check failed', err)
    if (parseRoute(location.hash).name !== 'login') afterLogin = location.hash || href.overview()
  }
  // Any later 401 means the session ended (expired, revoked, logged out elsewhere).
  onUnauthorized(endSession)
  window.addEventListener('hashchange', render)
  updateTitle()
  render()
}

void boot()
