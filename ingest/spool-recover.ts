import { mkdir, readFile, unlink } from 'node:fs/promises'
import path from 'node:path'
import { scanSegment, type ByteRange } from './spool-format.js'
import { listSegments, QUARANTINE_DIR, replaceFile, segmentFileName, syncDir, truncateFile } from './spool-files.js'

/** A segment found on disk, every record in it checked. */
export interface RecoveredSegment {
  seq: number
  bytes: number
  batches: number
  readings: number
  oldestMs: number | undefined
}

/** Moves damaged bytes aside, counted and logged (the spool's own bookkeeping). */
export type Quarantine = (seq: number, segment: Buffer, range: ByteRange, why: string) => Promise<void>

/**
 * What earlier runs left in the spool folder, made whole before anything is appended: in each
 * segment every damaged range is quarantined, then a torn tail (an append the process did not
 * finish, so never acknowledged) is cut off, and a segment with damage before its end is rewritten
 * with its good records; a segment with none left is deleted. New appends go to `nextSeq`, after
 * all of them.
 */
export async function recoverSegments(dir: string, quarantine: Quarantine): Promise<{ segments: RecoveredSegment[]; nextSeq: number }> {
  await makeDirDurably(path.join(dir, QUARANTINE_DIR))
  const seqs = await listSegments(dir)
  const segments: RecoveredSegment[] = []
  for (const seq of seqs) {
    const seg = await recoverSegment(dir, seq, quarantine)
    if (seg !== undefined) segments.push(seg)
  }
  return { segments, nextSeq: (seqs.at(-1) ?? 0) + 1 }
}

/** mkdir -p, then fsync the parent of each folder it created, so the folders survive a power cut too. */
async function makeDirDurably(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true })
  if (first === undefined) return
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await syncDir(path.dirname(d))
    if (d === path.resolve(first)) return
  }
}

async function recoverSegment(dir: string, seq: number, quarantine: Quarantine): Promise<RecoveredSegment | undefined> {
  const file = path.join(dir, segmentFileName(seq))
  const buf = await readFile(file)
  const scan = scanSegment(buf)
  for (const range of scan.corrupt) await quarantine(seq, buf, range, 'checksum or framing')
  // Like any damage, never dropped in silence (README "Damage"), though it is most likely harmless.
  if (scan.torn !== undefined) await quarantine(seq, buf, scan.torn, 'torn last record: most likely an append the process did not finish, never acknowledged')
  if (scan.records.length === 0) {
    await unlink(file)
    await syncDir(dir)
    return undefined
  }
  const bytes = scan.records.reduce((n, r) => n + r.bytes, 0)
  if (scan.corrupt.length > 0) await replaceFile(file, Buffer.concat(scan.records.map((r) => buf.subarray(r.offset, r.offset + r.bytes))))
  else if (scan.torn !== undefined) await truncateFile(file, bytes)
  return {
    seq,
    bytes,
    batches: scan.records.length,
    readings: scan.records.reduce((n, r) => n + r.readings, 0),
    oldestMs: scan.records[0]?.appendedAtMs
  }
}
