import {
  DZT_FRAME_TYPE,
  dpDeviceKey,
  parseDeviceTopic,
  provincePrefix,
  stampPlainFrame,
  topics,
  type DevicePlacement,
  type UplinkKind
} from '../domain/index.js'
import { canPublish, type Principal } from './acl.js'

/**
 * The canonical-topic rewrite (design.md "Topics"). Pure: the broker checks identity and topic
 * only; the content of a frame is checked downstream by ingest and rules.
 */
export type DropReason = 'topic-not-allowed' | 'forged-dp-key' | 'unverifiable-dp-frame'

export type Rewrite =
  | { action: 'forward'; topic: string; payload: Buffer }
  | { action: 'drop'; reason: DropReason; detail: string; claimedKey?: string }

/** What happens to a publish: the ACL first, then, for devices, the rewrite to the canonical topic. */
export function rewritePublish(principal: Principal, topic: string, payload: Buffer, receivedAtMs: number): Rewrite {
  if (!canPublish(principal, topic)) {
    return drop('topic-not-allowed', `${principalName(principal)} may not publish on ${topic.slice(0, 120)}`)
  }
  if (principal.kind === 'service') return { action: 'forward', topic, payload }
  return rewriteDevicePublish(principal.placement, topic, payload, receivedAtMs)
}

export function principalName(principal: Principal): string {
  return principal.kind === 'device' ? `device ${principal.placement.deviceId}` : `service ${principal.role}`
}

export function rewriteDevicePublish(
  placement: DevicePlacement,
  topic: string,
  payload: Buffer,
  receivedAtMs: number
): Rewrite {
  const parsed = parseDeviceTopic(topic)
  if (parsed === undefined) return drop('topic-not-allowed', `devices publish on gh/dev/{id}/data|status or $dp, not ${topic.slice(0, 120)}`)
  if (parsed.kind !== 'dp') {
    if (parsed.deviceId !== placement.deviceId) {
      return drop('topic-not-allowed', `device ${placement.deviceId} may not publish as ${parsed.deviceId.slice(0, 64)}`)
    }
    return forward(placement, parsed.kind === 'native-data' ? 'data' : 'status', payload)
  }
  const key = dpDeviceKey(payload)
  if (!key.ok) return drop('unverifiable-dp-frame', key.reason)
  if (key.value !== placement.deviceId) {
    return { action: 'drop', reason: 'forged-dp-key', detail: `frame claims device ${key.value.slice(0, 64)}`, claimedKey: key.value.slice(0, 64) }
  }
  // Only a type-1 frame is re-encoded (as type 2, stamped with our receipt time); see stampPlainFrame.
  if (payload[0] !== DZT_FRAME_TYPE.plain) return forward(placement, 'dp', payload)
  const stamped = stampPlainFrame(payload, receivedAtMs)
  if (!stamped.ok) return drop('unverifiable-dp-frame', stamped.reason)
  return forward(placement, 'dp', stamped.value)
}

function forward(placement: DevicePlacement, kind: UplinkKind, payload: Buffer): Rewrite {
  const topic = topics.uplink({
    // Derived from the county code rather than trusting the stored province's format.
    prov: provincePrefix(placement.county),
    county: placement.county,
    siteId: placement.siteId,
    deviceId: placement.deviceId,
    kind
  })
  return { action: 'forward', topic, payload }
}

function drop(reason: DropReason, detail: string): Rewrite {
  return { action: 'drop', reason, detail }
}
