import type { Disposition } from '../../../domain/alerts.js'
import { errorText } from './i18n.js'
import type { Account, AccountPatch, AuditQuery, AuditResponse, NewAccount } from './admin-types.js'
import type { Alert, BoundaryFeature, Health, OfflineDevicesResponse, ReadingsQuery, ReadingsResponse, RegionNode, SessionInfo, SiteDetail, SiteSummary, StatsResponse } from './types.js'

/** An error answer of the API: `{ code: 'GH_ERR_…', message }` (or a network failure). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** A short human-readable reason for an error caught from the API. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return errorText(err.code) ?? (err.message || err.code)
  return err instanceof Error ? err.message : String(err)
}

const unauthorizedListeners = new Set<() => void>()

/** Called whenever the server says the session is gone, so the app can go back to the login page. */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn)
  return () => unauthorizedListeners.delete(fn)
}

async function request<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  } catch (err) {
    throw new ApiError(0, 'GH_ERR_NETWORK', err instanceof Error ? err.message : String(err))
  }
  const text = await res.text()
  let json: unknown = null
  if (text !== '') {
    try {
      json = JSON.parse(text)
    } catch {
      throw new ApiError(res.status, 'GH_ERR_BAD_RESPONSE', `not JSON (HTTP ${res.status})`)
    }
  }
  if (!res.ok) {
    const err = errorOf(json)
    if (res.status === 401 && path !== '/api/login') for (const fn of unauthorizedListeners) fn()
    throw new ApiError(res.status, err.code, err.message)
  }
  // Our own server, typed by the shared contract; the server validates with zod before it sends.
  return json as T
}

function errorOf(json: unknown): { code: string; message: string } {
  if (typeof json === 'object' && json !== null) {
    const { code, message } = json as Record<string, unknown>
    return { code: typeof code === 'string' ? code : 'GH_ERR_HTTP', message: typeof message === 'string' ? message : '' }
  }
  return { code: 'GH_ERR_HTTP', message: '' }
}

function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}

export const api = {
  login: (username: string, password: string) =>
    request<{ user: SessionInfo; token: string }>('POST', '/api/login', { username, password }),
  logout: () => request<{ ok: true }>('POST', '/api/logout', {}),
  me: () => request<{ user: SessionInfo }>('GET', '/api/me'),
  users: () => request<{ users: Account[] }>('GET', '/api/users'),
  createUser: (body: NewAccount) => request<{ user: Account }>('POST', '/api/users', body),
  updateUser: (id: string, patch: AccountPatch) => request<{ user: Account }>('PATCH', `/api/users/${encodeURIComponent(id)}`, patch),
  setPassword: (id: string, password: string) => request<{ ok: true }>('POST', `/api/users/${encodeURIComponent(id)}/password`, { password }),
  changeOwnPassword: (current: string, next: string) => request<{ ok: true }>('POST', '/api/me/password', { current, next }),
  audit: (q: AuditQuery) => request<AuditResponse>('GET', `/api/audit${query({ ...q })}`),
  health: () => request<Health>('GET', '/api/health'),
  regions: () => request<{ root: RegionNode }>('GET', '/api/regions'),
  regionMap: () => request<{ map: { type: 'FeatureCollection'; features: BoundaryFeature[] } | null }>('GET', '/api/regions/map'),
  stats: (q: { from?: number; to?: number; region?: string }) => request<StatsResponse>('GET', `/api/stats${query(q)}`),
  offlineDevices: (region?: string) => request<OfflineDevicesResponse>('GET', `/api/devices/offline${query({ region })}`),
  sites: (region?: string) => request<{ sites: SiteSummary[] }>('GET', `/api/sites${query({ region })}`),
  site: (id: string) => request<SiteDetail>('GET', `/api/sites/${encodeURIComponent(id)}`),
  // The effective rule table (dashboard/routes/site-rules.ts); plain JSON read by site-thresholds.ts.
  siteRules: (id: string) =>
    request<{ siteId: string; layers: string[]; effective: Record<string, unknown>; problems: string[] }>('GET', `/api/sites/${encodeURIComponent(id)}/rules`),
  readings: (id: string, q: ReadingsQuery) =>
    request<ReadingsResponse>('GET', `/api/sites/${encodeURIComponent(id)}/readings${query({ ...q })}`),
  alerts: (params: { state?: 'open' | 'acknowledged' | 'resolved' | 'active'; siteId?: string }) =>
    request<{ alerts: Alert[] }>('GET', `/api/alerts${query(params)}`),
  ack: (id: string, note?: string) =>
    request<{ alert: Alert }>('POST', `/api/alerts/${encodeURIComponent(id)}/ack`, note === undefined ? {} : { note }),
  escalate: (id: string, note?: string) =>
    request<{ alert: Alert }>('POST', `/api/alerts/${encodeURIComponent(id)}/escalate`, note === undefined ? {} : { note }),
  note: (id: string, note: string) => request<{ alert: Alert }>('POST', `/api/alerts/${encodeURIComponent(id)}/note`, { note }),
  resolve: (id: string, disposition: Disposition, note?: string) =>
    request<{ alert: Alert }>('POST', `/api/alerts/${encodeURIComponent(id)}/resolve`, note === undefined ? { disposition } : { disposition, note })
}
