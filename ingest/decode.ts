import { decodeUplink } from '../domain/decode.js'
import { DZT_FRAME_TYPE, DZT_STATUS_POINT, decodeDpFrame, readDpEnvelope } from '../domain/dzt0450.js'
import type { Uplink } from '../domain/readings.js'
import { fail, ok, type Result } from '../domain/result.js'
import { parseUplinkTopic, type UplinkTopic } from '../domain/topics.js'

/** Why a message was refused as a whole. Stable codes: they are stats keys and log fields. */
export const REJECT_REASONS = ['topic', 'json', 'schema', 'frame', 'frame-type', 'no-usable-point', 'device-key'] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

/** Why a DZ/T point inside an otherwise good frame was passed over. */
export const SKIP_REASONS = ['unknown-point-code', 'timestamp', 'status', 'value'] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

export interface Rejection {
  reason: RejectReason
  detail: string
}

export interface Decoded {
  topic: UplinkTopic
  uplink: Uplink
  skipped: Array<{ reason: SkipReason; pointCode: string; detail: string }>
}

/**
 * Topic and payload → readings and statuses, or a rejection with a code. The mapping itself is the
 * domain's `decodeUplink` (the same one rules uses). For `$dp` frames the frame is also decoded with
 * `decodeDpFrame`, because only it reports the points it skipped.
 */
export function decodeMessage(topicName: string, payload: Uint8Array, receivedAtMs: number): Result<Decoded, Rejection> {
  const topic = parseUplinkTopic(topicName)
  if (!topic.ok) return fail({ reason: 'topic', detail: topic.reason })

  let skipped: Decoded['skipped'] = []
  if (topic.value.kind === 'dp') {
    const frame = decodeDpFrame(payload)
    if (!frame.ok) return fail({ reason: classifyFrameFailure(payload), detail: frame.reason })
    skipped = frame.value.skipped.map((s) => ({ reason: classifySkip(s.pointCode, s.reason), pointCode: s.pointCode, detail: s.reason }))
  }

  const uplink = decodeUplink(topic.value, payload, receivedAtMs)
  if (!uplink.ok) {
    if (topic.value.kind === 'dp') return fail({ reason: 'device-key', detail: uplink.reason })
    return fail({ reason: isJson(payload) ? 'schema' : 'json', detail: uplink.reason })
  }
  return ok({ topic: topic.value, uplink: uplink.value, skipped })
}

/** Runs only on the failure path, so the happy path parses each payload once per decoder. */
function classifyFrameFailure(payload: Uint8Array): RejectReason {
  const env = readDpEnvelope(payload)
  if (!env.ok) return 'frame'
  const t = env.value.frameType
  if (t !== DZT_FRAME_TYPE.plain && t !== DZT_FRAME_TYPE.timed) return 'frame-type'
  const body = env.value.body
  if (!isPlainObject(body)) return 'schema'
  const keys = Object.keys(body)
  return keys.length === 1 && isPlainObject(body[keys[0] as string]) ? 'no-usable-point' : 'schema'
  return 'schema'
}

function classifySkip(pointCode: string, reason: string): SkipReason {
  if (pointCode === DZT_STATUS_POINT) return 'status'
  if (reason === 'unknown point code') return 'unknown-point-code'
  if (reason.startsWith('timestamp') || reason.startsWith('a type-2 point')) return 'timestamp'
  return 'value'
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isJson(payload: Uint8Array): boolean {
  try {
    JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'))
    return true
  } catch {
    return false
  }
}

/** At most `maxChars` of the payload for a log line: text if it is printable UTF-8, hex otherwise. */
export function previewPayload(payload: Uint8Array, maxChars = 200): string {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  const text = buf.toString('utf8')
  // U+FFFD marks invalid UTF-8; C0 controls other than tab, LF and CR mark binary (a DZ/T header).
  const binary = text.includes('\uFFFD') || buf.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)
  if (!binary) return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text
  // 'hex:' + two characters a byte + '…' stays within maxChars.
  const hex = buf.subarray(0, Math.floor((maxChars - 5) / 2)).toString('hex')
  return `hex:${hex}${buf.length * 2 > hex.length ? '…' : ''}`
}
