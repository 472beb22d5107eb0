import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** SQLite's in-memory database name; also what tests pass. */
export const MEMORY_PATH = ':memory:'

export interface SqliteOpenOptions {
  /**
   * Under WAL, NORMAL makes a commit durable against a process crash (the WAL is in the OS page
   * cache) and a power loss may roll back the last commits but never corrupts the file; FULL also
   * fsyncs the WAL on every commit (sqlite.org/pragma.html#pragma_synchronous).
   */
  synchronous: 'NORMAL' | 'FULL'
}

/**
 * Open a SQLite file with the settings both stores share: WAL so readers never block the writer,
 * a 5 s busy timeout for the moments when another process holds the write lock, foreign keys on.
 */
export function openSqlite(path: string, opts: SqliteOpenOptions): Database.Database {
  if (path !== MEMORY_PATH && path !== '') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  db.pragma(`synchronous = ${opts.synchronous}`)
  return db
}
