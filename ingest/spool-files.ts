import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import type { ByteRange } from './spool-format.js'

/** The spool folder on disk: `<seq>.seg` segment files and `quarantine/` for damaged bytes. */
export const QUARANTINE_DIR = 'quarantine'
const SEGMENT_NAME = /^(\d{16})\.seg$/
const TEMP_SUFFIX = '.tmp'

export function segmentFileName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.seg`
}

/** Sequence numbers of the segments in `dir`, oldest first. Removes what an interrupted rewrite left. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = (await readdir(dir)).sort()
  for (const name of names.filter((n) => n.endsWith(TEMP_SUFFIX))) await unlink(path.join(dir, name))
  return names.flatMap((n) => {
    const seq = SEGMENT_NAME.exec(n)?.[1]
    return seq === undefined ? [] : [Number(seq)]
  })
}

export async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done)
    done += bytesWritten
  }
}

/** A directory's entries are durable only once the directory itself is fsync'd (fsync(2)). */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Creates or overwrites `file` with `content`, fsync'd (not its directory). */
async function writeDurably(file: string, content: Buffer): Promise<void> {
  const fh = await open(file, 'w')
  try {
    await writeFully(fh, content, 0)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Replaces `file` atomically: temp file, fsync, rename over it, fsync the directory. */
export async function replaceFile(file: string, content: Buffer): Promise<void> {
  const temp = `${file}${TEMP_SUFFIX}`
  await writeDurably(temp, content)
  await rename(temp, file)
  await syncDir(path.dirname(file))
}

export async function truncateFile(file: string, bytes: number): Promise<void> {
  const fh = await open(file, 'r+')
  try {
    await fh.truncate(bytes)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export async function unlinkIfThere(file: string): Promise<void> {
  try {
    await unlink(file)
  } catch (err) {
    // Gone already: an earlier attempt unlinked it and failed only at the directory's fsync.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/** Keeps damaged bytes as `quarantine/<segment>@<offset>.bad`, durably; returns that path. */
export async function quarantineBytes(dir: string, seq: number, segment: Buffer, range: ByteRange): Promise<string> {
  const file = path.join(dir, QUARANTINE_DIR, `${segmentFileName(seq)}@${range.offset}.bad`)
  await writeDurably(file, segment.subarray(range.offset, range.offset + range.bytes))
  await syncDir(path.dirname(file))
  return file
}
