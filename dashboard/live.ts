import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import type pino from 'pino'
import {
  filters,
  provincePrefix,
  topics,
  type AlertEvent,
  type DevicePresence,
  type Reading,
  type ServiceHealth,
  type SiteAlertState
} from '../domain/index.js'
import { parseLiveMessage, topicRoot } from './live-messages.js'
import type { RejectCounter } from './rejects.js'

/** Where live events go (the Socket.IO rooms, in the app). */
export interface LiveSink {
  alert(county: string, event: AlertEvent): void
  siteLevel(county: string, state: SiteAlertState): void
  presence(p: DevicePresence): void
  reading(r: Reading): void
  /** Whether any socket watches the site: uplinks of unwatched sites are not decoded. */
  watched(siteId: string): boolean
}

export interface DeviceSeen {
  /** null: no presence heard since the dashboard started. */
  online: boolean | null
  lastSeen: number | null
}

export interface Live {
  connected(): boolean
  deviceSeen(deviceId: string): DeviceSeen
  /** The newest health report of each service instance heard on gh/sys, by `service/instance`. */
  serviceHealth(): ReadonlyMap<string, ServiceHealth>
  /** QoS 1, not retained: rules and the other dashboard instances hear it. */
  publishAlertEvent(event: AlertEvent): Promise<void>
  /** QoS 1, retained, like the rules service's own alert-state messages. */
  publishSiteState(state: SiteAlertState): Promise<void>
  close(): Promise<void>
}

export interface LiveOptions {
  url: string
  username: string
  password?: string
  log: pino.Logger
  rejects: RejectCounter
  now: () => number
  sink: LiveSink
}

/**
 * The dashboard's MQTT client (one adapter, one outside system). Clean session: what happened
 * while it was away comes from the platform DB and the retained alert-state and presence topics.
 */
export async function startLive(opts: LiveOptions): Promise<Live> {
  const { log, rejects, now, sink } = opts
  const seen = new Map<string, DeviceSeen>()
  const services = new Map<string, ServiceHealth>()
  const client: MqttClient = await mqtt.connectAsync(opts.url, {
    clientId: `dashboard-${randomBytes(6).toString('hex')}`,
    username: opts.username,
    ...(opts.password === undefined ? {} : { password: opts.password }),
    clean: true,
    reconnectPeriod: 1000
  })
  client.on('error', (err) => log.error({ err }, 'mqtt client error'))
  client.on('offline', () => log.warn('mqtt offline'))
  client.on('reconnect', () => log.info('mqtt reconnecting'))

  const markSeen = (deviceId: string, patch: Partial<DeviceSeen>): void => {
    const prev = seen.get(deviceId) ?? { online: null, lastSeen: null }
    const lastSeen = Math.max(prev.lastSeen ?? 0, patch.lastSeen ?? 0)
    seen.set(deviceId, { online: patch.online === undefined ? prev.online : patch.online, lastSeen: lastSeen === 0 ? null : lastSeen })
  }

  client.on('message', (topic, payload) => {
    const receivedAt = now()
    const parsed = parseLiveMessage(topic, payload, receivedAt, (siteId) => sink.watched(siteId))
    if (!parsed.ok) {
      rejects.reject(`mqtt:${topicRoot(topic)}`, parsed.reason, { topic, payload: payload.subarray(0, 200).toString('utf8') })
      return
    }
    const m = parsed.value
    switch (m.kind) {
      case 'alert':
        sink.alert(m.county, m.event)
        return
      case 'site-level':
        sink.siteLevel(m.county, m.state)
        return
      case 'presence':
        markSeen(m.presence.deviceId, { online: m.presence.online, lastSeen: m.presence.since })
        sink.presence(m.presence)
        return
      case 'presence-cleared':
        seen.delete(m.deviceId)
        return
      case 'uplink':
        markSeen(m.deviceId, { lastSeen: receivedAt })
        for (const r of m.readings ?? []) sink.reading(r)
        return
      case 'service-health':
        if (m.health === undefined) services.delete(m.key)
        else services.set(m.key, m.health)
        return
    }
  })

  // Live readings are a view, not a record: QoS 0 spares the broker the acks (our choice).
  const granted = await client.subscribeAsync({
    [filters.alerts()]: { qos: 1 },
    [filters.alertStates()]: { qos: 1 },
    [filters.presence()]: { qos: 1 },
    [filters.serviceHealth()]: { qos: 0 },
    [filters.uplinks()]: { qos: 0 }
  })
  const denied = granted.filter((g) => g.qos === 128).map((g) => g.topic)
  if (denied.length > 0) log.error({ denied }, 'the broker refused some subscriptions; those live events will be missing')

  const siteTopic = (county: string, siteId: string) => ({ prov: provincePrefix(county), county, siteId })
  return {
    connected: () => client.connected,
    deviceSeen: (deviceId) => seen.get(deviceId) ?? { online: null, lastSeen: null },
    serviceHealth: () => services,
    publishAlertEvent: async (event) => {
      await client.publishAsync(topics.alert(siteTopic(event.alert.county, event.alert.siteId)), JSON.stringify(event), { qos: 1 })
    },
    publishSiteState: async (state) => {
      await client.publishAsync(topics.alertState(siteTopic(state.county, state.siteId)), JSON.stringify(state), { qos: 1, retain: true })
    },
    close: async () => {
      await client.endAsync()
    }
  }
}
