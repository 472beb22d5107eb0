import { crc32 } from 'node:zlib'

/**
 * The spool's record format, pure: bytes in, records out. One record per spooled batch:
 *
 *   magic (4) | payload length u32 BE (4) | appended at, epoch ms f64 BE (8) | readings u32 BE (4)
 *   | CRC-32 u32 BE (4) of bytes 4..20 and the payload | payload (JSON of the batch)
 *
 * The magic lets a scan find the next record after a damaged one. Its first byte, 0xF7, never
 * occurs in UTF-8 (RFC 3629 §3), so it cannot appear inside a JSON payload; the last is the format
 * version.
 */
export const RECORD_MAGIC = Buffer.from([0xf7, 0x47, 0x57, 0x01])
export const RECORD_HEADER_BYTES = 24
const CRC_OFFSET = 20

export interface RecordMeta {
  /** Byte offset of the record in its segment. */
  offset: number
  /** Header and payload. */
  bytes: number
  appendedAtMs: number
  readings: number
}

export interface ByteRange {
  offset: number
  bytes: number
}

export interface SegmentScan {
  records: RecordMeta[]
  /** Damaged bytes with valid records after them, or a damaged tail that is not a torn append. */
  corrupt: ByteRange[]
  /** The start of a record cut short by the end of the data: an append the process did not finish. */
  torn: ByteRange | undefined
}

export function encodeRecord(payload: Buffer, appendedAtMs: number, readings: number): Buffer {
  const rec = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length)
  RECORD_MAGIC.copy(rec, 0)
  rec.writeUInt32BE(payload.length, 4)
  rec.writeDoubleBE(appendedAtMs, 8)
  rec.writeUInt32BE(readings, 16)
  rec.writeUInt32BE(checksum(rec.subarray(4, CRC_OFFSET), payload), CRC_OFFSET)
  payload.copy(rec, RECORD_HEADER_BYTES)
  return rec
}

export function recordPayload(segment: Buffer, rec: RecordMeta): Buffer {
  return segment.subarray(rec.offset + RECORD_HEADER_BYTES, rec.offset + rec.bytes)
}

/** Every valid record of a segment, in order, and what lies between or after them. */
export function scanSegment(buf: Buffer): SegmentScan {
  const records: RecordMeta[] = []
  const corrupt: ByteRange[] = []
  let offset = 0
  while (offset < buf.length) {
    const at = readRecordAt(buf, offset)
    if (at.kind === 'ok') {
      records.push(at.meta)
      offset += at.meta.bytes
      continue
    }
    const next = findRecord(buf, offset + 1)
    if (next === -1) {
      const rest = { offset, bytes: buf.length - offset }
      if (at.kind === 'short') return { records, corrupt, torn: rest }
      corrupt.push(rest)
      break
    }
    corrupt.push({ offset, bytes: next - offset })
    offset = next
  }
  return { records, corrupt, torn: undefined }
}

type RecordAt = { kind: 'ok'; meta: RecordMeta } | { kind: 'short' } | { kind: 'bad' }

/** 'short': what is there is a plausible beginning of a record that the data ends inside. */
function readRecordAt(buf: Buffer, offset: number): RecordAt {
  const available = buf.length - offset
  const magicBytes = Math.min(available, RECORD_MAGIC.length)
  if (buf.compare(RECORD_MAGIC, 0, magicBytes, offset, offset + magicBytes) !== 0) return { kind: 'bad' }
  if (available < RECORD_HEADER_BYTES) return { kind: 'short' }
  const bytes = RECORD_HEADER_BYTES + buf.readUInt32BE(offset + 4)
  if (bytes > available) return { kind: 'short' }
  const payload = buf.subarray(offset + RECORD_HEADER_BYTES, offset + bytes)
  if (checksum(buf.subarray(offset + 4, offset + CRC_OFFSET), payload) !== buf.readUInt32BE(offset + CRC_OFFSET)) return { kind: 'bad' }
  return { kind: 'ok', meta: { offset, bytes, appendedAtMs: buf.readDoubleBE(offset + 8), readings: buf.readUInt32BE(offset + 16) } }
}

/** Offset of the first valid record at or after `from`, or −1. */
function findRecord(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(RECORD_MAGIC, from); i !== -1; i = buf.indexOf(RECORD_MAGIC, i + 1)) {
    if (readRecordAt(buf, i).kind === 'ok') return i
  }
  return -1
}

function checksum(header: Buffer, payload: Buffer): number {
  return crc32(payload, crc32(header))
}
