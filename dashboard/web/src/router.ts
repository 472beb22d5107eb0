export type Route =
  | { name: 'login' }
  | { name: 'overview'; region: string | null }
  | { name: 'site'; siteId: string }
  | { name: 'health' }
  | { name: 'account' }
  | { name: 'admin-users' }
  | { name: 'admin-audit' }
  | { name: 'stats' }

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decodeURIComponent)
  const [head, arg] = parts
  if (head === 'login') return { name: 'login' }
  if (head === 'health') return { name: 'health' }
  if (head === 'account') return { name: 'account' }
  if (head === 'admin') return arg === 'audit' ? { name: 'admin-audit' } : { name: 'admin-users' }
  if (head === 'stats') return { name: 'stats' }
  if (head === 'site' && arg !== undefined) return { name: 'site', siteId: arg }
  if (head === 'region' && arg !== undefined && /^\d{6}$/.test(arg)) return { name: 'overview', region: arg }
  return { name: 'overview', region: null }
}

export const href = {
  login: (): string => '#/login',
  overview: (): string => '#/',
  health: (): string => '#/health',
  account: (): string => '#/account',
  adminUsers: (): string => '#/admin/users',
  adminAudit: (): string => '#/admin/audit',
  stats: (): string => '#/stats',
  region: (code: string): string => `#/region/${code}`,
  site: (id: string): string => `#/site/${encodeURIComponent(id)}`
}

export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'))
  else location.hash = hash
}
