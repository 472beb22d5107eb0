import { decodeDpFrame } from './dzt0450.js'
import { nativeDataSchema, nativeStatusSchema } from './native.js'
import type { DeviceStatus, Reading, Uplink } from './readings.js'
import { fail, ok, type Result } from './result.js'
import type { UplinkTopic } from './topics.js'

/**
 * Decode a message from a canonical uplink topic. The topic is trusted (the broker wrote it), the
 * payload is not. A `$dp` type-1 frame has been stamped by the broker already; should one arrive
 * unstamped, `receivedAtMs` dates it.
 */
export function decodeUplink(topic: UplinkTopic, payload: Uint8Array, receivedAtMs: number): Result<Uplink> {
  switch (topic.kind) {
    case 'data':
      return decodeNativeData(topic, payload)
    case 'status':
      return decodeNativeStatus(topic, payload)
    case 'dp':
      return decodeDp(topic, payload, receivedAtMs)
  }
}

function parseJson(payload: Uint8Array): Result<unknown> {
  try {
    return ok(JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')))
  } catch (err) {
    return fail(`payload is not JSON: ${(err as Error).message}`)
  }
}

function zodReason(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

function decodeNativeData(t: UplinkTopic, payload: Uint8Array): Result<Uplink> {
  const json = parseJson(payload)
  if (!json.ok) return json
  const parsed = nativeDataSchema.safeParse(json.value)
  if (!parsed.success) return fail(zodReason(parsed.error))
  const readings: Reading[] = parsed.data.readings.map((r) => ({
    deviceId: t.deviceId,
    sensorId: r.sensor,
    type: r.type,
    siteId: t.siteId,
    county: t.county,
    ts: r.ts,
    fields: r.fields,
    ...(parsed.data.seq === undefined ? {} : { seq: parsed.data.seq })
  }))
  return ok({ readings, statuses: [] })
}

function decodeNativeStatus(t: UplinkTopic, payload: Uint8Array): Result<Uplink> {
  const json = parseJson(payload)
  if (!json.ok) return json
  const parsed = nativeStatusSchema.safeParse(json.value)
  if (!parsed.success) return fail(zodReason(parsed.error))
  const { v: _v, ts, ...rest } = parsed.data
  const status: DeviceStatus = { ...stripUndefined(rest), deviceId: t.deviceId, siteId: t.siteId, county: t.county, ts }
  return ok({ readings: [], statuses: [status] })
}

function decodeDp(t: UplinkTopic, payload: Uint8Array, receivedAtMs: number): Result<Uplink> {
  const frame = decodeDpFrame(payload)
  if (!frame.ok) return frame
  if (frame.value.deviceKey !== t.deviceId) {
    return fail(`frame device key ${frame.value.deviceKey} is not the topic's device ${t.deviceId}`)
  }
  const readings: Reading[] = frame.value.points.map((p) => ({
    deviceId: t.deviceId,
    sensorId: p.pointCode,
    type: p.type,
    siteId: t.siteId,
    county: t.county,
    ts: p.ts ?? receivedAtMs,
    fields: p.fields
  }))
  const statuses: DeviceStatus[] = frame.value.statuses.map((s) => ({
    ...stripUndefined(s.values),
    deviceId: t.deviceId,
    siteId: t.siteId,
    county: t.county,
    ts: s.ts ?? receivedAtMs,
    sensorState: s.sensorState
  }))
  return ok({ readings, statuses })
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out as { [K in keyof T]: Exclude<T[K], undefined> }
}
