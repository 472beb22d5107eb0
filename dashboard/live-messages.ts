import {
  alertEventSchema,
  decodeUplink,
  parsePresenceTopic,
  parseServiceHealthTopic,
  parseSiteTopic,
  parseUplinkTopic,
  presenceSchema,
  serviceHealthSchema,
  siteAlertStateSchema,
  type AlertEvent,
  type DevicePresence,
  type Reading,
  type ServiceHealth,
  type SiteAlertState
} from '../domain/index.js'
import { fail, ok, type Result } from '../domain/result.js'

/** What one MQTT message means to the dashboard. */
export type LiveMessage =
  | { kind: 'alert'; county: string; event: AlertEvent }
  | { kind: 'site-level'; county: string; state: SiteAlertState }
  | { kind: 'presence'; presence: DevicePresence }
  /** A retained presence was cleared (empty payload): the device is unknown again. */
  | { kind: 'presence-cleared'; deviceId: string }
  /** An uplink: `readings` is undefined when nobody watches the site, so it was not decoded. */
  | { kind: 'uplink'; siteId: string; deviceId: string; readings: Reading[] | undefined }
  /** A service's retained health report (gh/sys); `health` undefined when the retained one was cleared. */
  | { kind: 'service-health'; key: string; health: ServiceHealth | undefined }

/** The topic root (`alert`, `up`, …): rejections are counted and logged per root. */
export function topicRoot(topic: string): string {
  return topic.split('/', 2)[1] ?? topic
}

/**
 * Parse one message from the subscribed topics. Pure; the payload is untrusted, the topic came
 * from our broker. `watched(siteId)` says whether an uplink needs decoding at all.
 */
export function parseLiveMessage(
  topic: string,
  payload: Uint8Array,
  receivedAtMs: number,
  watched: (siteId: string) => boolean
): Result<LiveMessage> {
  switch (topicRoot(topic)) {
    case 'alert': {
      const t = parseSiteTopic(topic, 'alert')
      if (!t.ok) return t
      const parsed = parseJsonWith(payload, (v) => alertEventSchema.safeParse(v))
      if (!parsed.ok) return parsed
      const { alert } = parsed.value
      if (alert.siteId !== t.value.siteId || alert.county !== t.value.county) return fail(`alert for ${alert.county}/${alert.siteId} on topic ${topic}`)
      return ok({ kind: 'alert', county: alert.county, event: parsed.value })
    }
    case 'alert-state': {
      const t = parseSiteTopic(topic, 'alert-state')
      if (!t.ok) return t
      const parsed = parseJsonWith(payload, (v) => siteAlertStateSchema.safeParse(v))
      if (!parsed.ok) return parsed
      if (parsed.value.siteId !== t.value.siteId || parsed.value.county !== t.value.county) return fail(`state for ${parsed.value.county}/${parsed.value.siteId} on topic ${topic}`)
      return ok({ kind: 'site-level', county: parsed.value.county, state: parsed.value })
    }
    case 'presence': {
      const t = parsePresenceTopic(topic)
      if (!t.ok) return t
      if (payload.byteLength === 0) return ok({ kind: 'presence-cleared', deviceId: t.value.deviceId })
      const parsed = parseJsonWith(payload, (v) => presenceSchema.safeParse(v))
      if (!parsed.ok) return parsed
      const { siteId, county, deviceId } = t.value
      return ok({ kind: 'presence', presence: { deviceId, siteId, county, online: parsed.value.online, since: parsed.value.since } })
    }
    case 'up': {
      const t = parseUplinkTopic(topic)
      if (!t.ok) return t
      const { siteId, deviceId } = t.value
      if (!watched(siteId)) return ok({ kind: 'uplink', siteId, deviceId, readings: undefined })
      const decoded = decodeUplink(t.value, payload, receivedAtMs)
      if (!decoded.ok) return decoded
      return ok({ kind: 'uplink', siteId, deviceId, readings: decoded.value.readings })
    }
    case 'sys': {
      const t = parseServiceHealthTopic(topic)
      if (!t.ok) return t
      const key = `${t.value.service}/${t.value.instance}`
      if (payload.byteLength === 0) return ok({ kind: 'service-health', key, health: undefined })
      const parsed = parseJsonWith(payload, (v) => serviceHealthSchema.safeParse(v))
      if (!parsed.ok) return parsed
      if (parsed.value.service !== t.value.service || parsed.value.instance !== t.value.instance) return fail(`health of ${parsed.value.service}/${parsed.value.instance} on topic ${topic}`)
      return ok({ kind: 'service-health', key, health: parsed.value })
    }
    default:
      return fail(`unexpected topic ${topic.slice(0, 120)}`)
  }
}

type SafeParse<T> = { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } }

function parseJsonWith<T>(payload: Uint8Array, parse: (v: unknown) => SafeParse<T>): Result<T> {
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'))
  } catch (err) {
    return fail(`payload is not JSON: ${(err as Error).message}`)
  }
  const parsed = parse(json)
  if (parsed.success) return ok(parsed.data)
  return fail(
    parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; ')
  )
}
