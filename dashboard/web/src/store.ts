import { api } from './api.js'
import { Emitter } from './emitter.js'
import { levelRank } from './levels.js'
import type { DevicePresence } from '../../../domain/socket-events.js'
import type { Alert, AlertEvent, Reading, RegionNode, SessionInfo, SiteAlertState, SiteSummary } from './types.js'

export type ConnectionState = 'connecting' | 'live' | 'lost'
/** How an alert change should be brought to the officer: `new` and `raised` flash (and may sound). */
export type AlertChange = 'new' | 'raised' | 'update'

export interface SiteInfo {
  name: string
  countyName: string
  threatenedPeople: number
}

interface StoreEvents extends Record<string, unknown> {
  alerts: { alert: Alert; change: AlertChange } | null
  regions: RegionNode
  'site-level': SiteAlertState
  'site-info': string
  connection: ConnectionState
  session: SessionInfo | null
  /** Passed through from the socket for the site page. */
  reading: Reading
  presence: DevicePresence
}

/** Application state shared by the views. Everything live goes through here. */
export class Store extends Emitter<StoreEvents> {
  session: SessionInfo | null = null
  regions: RegionNode | null = null
  connection: ConnectionState = 'connecting'
  readonly alerts = new Map<string, Alert>()
  readonly siteLevels = new Map<string, SiteAlertState>()
  private readonly siteInfo = new Map<string, SiteInfo>()
  private readonly siteInfoPending = new Set<string>()
  /** Alert ids touched by live events while a refetch is in flight: the refetch must not undo them. */
  private touchedDuringFetch: Set<string> | null = null
  private regionsTimer: ReturnType<typeof setTimeout> | null = null

  setSession(info: SessionInfo | null): void {
    this.session = info
    this.emit('session', info)
  }

  setConnection(state: ConnectionState): void {
    this.connection = state
    this.emit('connection', state)
  }

  /** Newest change first; alerts resolved during this session sink below the active ones. */
  sortedAlerts(): Alert[] {
    const resolvedLast = (a: Alert): number => (a.state === 'resolved' ? 1 : 0)
    return [...this.alerts.values()].sort((a, b) => resolvedLast(a) - resolvedLast(b) || b.updatedAt - a.updatedAt)
  }

  async refetchAlerts(): Promise<void> {
    const touched = new Set<string>()
    this.touchedDuringFetch = touched
    try {
      const { alerts } = await api.alerts({ state: 'active' })
      const fresh = new Map(alerts.map((a) => [a.id, a]))
      for (const [id, old] of this.alerts) {
        if (touched.has(id) || (fresh.get(id)?.updatedAt ?? -1) < old.updatedAt) fresh.set(id, old)
      }
      this.alerts.clear()
      for (const [id, a] of fresh) this.alerts.set(id, a)
    } finally {
      if (this.touchedDuringFetch === touched) this.touchedDuringFetch = null
    }
    for (const a of this.alerts.values()) this.requestSiteInfo(a.siteId)
    this.emit('alerts', null)
  }

  /** Apply one live `alert` event; returns how it changed the picture (null when it was stale). */
  applyAlertEvent(event: AlertEvent): AlertChange | null {
    const next = event.alert
    const prev = this.alerts.get(next.id)
    if (prev !== undefined && prev.updatedAt > next.updatedAt) return null
    this.touchedDuringFetch?.add(next.id)
    this.alerts.set(next.id, next)
    const change: AlertChange =
      prev === undefined || event.kind === 'opened'
        ? 'new'
        : event.kind === 'raised' || levelRank(next.level) > levelRank(prev.level)
          ? 'raised'
          : 'update'
    this.requestSiteInfo(next.siteId)
    this.emit('alerts', { alert: next, change })
    this.scheduleRegionsRefresh()
    return change
  }

  /** Replace an alert with the server's answer to an action (ack, escalate, resolve). */
  putAlert(alert: Alert): void {
    const prev = this.alerts.get(alert.id)
    if (prev !== undefined && prev.updatedAt > alert.updatedAt) return
    this.alerts.set(alert.id, alert)
    this.emit('alerts', { alert, change: 'update' })
    this.scheduleRegionsRefresh()
  }

  applySiteLevel(state: SiteAlertState): void {
    const prev = this.siteLevels.get(state.siteId)
    if (prev !== undefined && prev.since > state.since) return
    this.siteLevels.set(state.siteId, state)
    this.emit('site-level', state)
    this.scheduleRegionsRefresh()
  }

  async refetchRegions(): Promise<void> {
    const { root } = await api.regions()
    this.regions = root
    this.emit('regions', root)
  }

  /**
   * Region counts and colours are aggregates the server computes; after a live change, fetch them
   * again rather than recompute them here. Debounced so a storm of events costs one request.
   */
  scheduleRegionsRefresh(delayMs = 800): void {
    if (this.regionsTimer !== null) return
    this.regionsTimer = setTimeout(() => {
      this.regionsTimer = null
      this.refetchRegions().catch((err: unknown) => console.warn('regions refresh failed', err))
    }, delayMs)
  }

  rememberSites(sites: readonly SiteSummary[]): void {
    for (const s of sites) this.siteInfo.set(s.id, { name: s.name, countyName: s.countyName, threatenedPeople: s.threatenedPeople })
  }

  siteInfoOf(siteId: string): SiteInfo | undefined {
    return this.siteInfo.get(siteId)
  }

  /** Alerts carry only the site id: look the name up once per site. */
  requestSiteInfo(siteId: string): void {
    if (this.siteInfo.has(siteId) || this.siteInfoPending.has(siteId)) return
    this.siteInfoPending.add(siteId)
    api
      .site(siteId)
      .then(({ site }) => {
        this.rememberSites([site])
        this.emit('site-info', siteId)
      })
      .catch((err: unknown) => console.warn('site lookup failed', siteId, err))
      .finally(() => this.siteInfoPending.delete(siteId))
  }

  reset(): void {
    this.alerts.clear()
    this.siteLevels.clear()
    this.regions = null
    if (this.regionsTimer !== null) clearTimeout(this.regionsTimer)
    this.regionsTimer = null
  }
}
