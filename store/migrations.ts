import type Database from 'better-sqlite3'

/**
 * Platform DB schema steps, applied in order; `PRAGMA user_version` records how many have run.
 * Append only: never edit a step that has shipped. Full objects live in `json` (validated by the
 * domain schemas on the way in and out); the other columns are copies kept for indexes and filters.
 */
export const PLATFORM_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sites (
    id     TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    json   TEXT NOT NULL
  );
  CREATE INDEX sites_county ON sites (county);

  CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites (id),
    dialect     TEXT NOT NULL,
    json        TEXT NOT NULL,
    secret_hash TEXT
  );
  CREATE INDEX devices_site ON devices (site_id);

  CREATE TABLE alerts (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL,
    county     TEXT NOT NULL,
    state      TEXT NOT NULL,
    level      TEXT NOT NULL,
    opened_at  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    json       TEXT NOT NULL
  );
  CREATE INDEX alerts_site_state ON alerts (site_id, state);
  CREATE INDEX alerts_county ON alerts (county);
  CREATE INDEX alerts_updated ON alerts (updated_at);

  CREATE TABLE site_levels (
    site_id  TEXT PRIMARY KEY,
    county   TEXT NOT NULL,
    level    TEXT NOT NULL,
    alert_id TEXT,
    since    INTEGER NOT NULL
  );
  CREATE INDEX site_levels_county ON site_levels (county);

  CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    region        TEXT NOT NULL,
    display_name  TEXT NOT NULL
  );

  CREATE TABLE audit (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  `,
  // 2: persistent sessions (only a hash of the token), disabled accounts, and the regions each
  // audit entry is about so an administrator reads their own jurisdiction's entries.
  `
  ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
  );
  CREATE INDEX sessions_user ON sessions (user_id);
  CREATE INDEX sessions_expires ON sessions (expires_at);

  CREATE TABLE audit_regions (
    seq    INTEGER NOT NULL REFERENCES audit (seq) ON DELETE CASCADE,
    region TEXT NOT NULL,
    PRIMARY KEY (seq, region)
  ) WITHOUT ROWID;
  CREATE INDEX audit_at ON audit (at);
  CREATE INDEX audit_actor ON audit (actor);
  CREATE INDEX audit_action ON audit (action);

  -- Entries written before this step: their regions from what they name, as the store derives them now.
  INSERT OR IGNORE INTO audit_regions (seq, region)
    SELECT au.seq, al.county FROM audit au JOIN alerts al ON au.target = 'alert:' || al.id;
  INSERT OR IGNORE INTO audit_regions (seq, region)
    SELECT au.seq, s.county FROM audit au JOIN devices d ON au.target = 'device:' || d.id JOIN sites s ON s.id = d.site_id;
  INSERT OR IGNORE INTO audit_regions (seq, region)
    SELECT au.seq, u.region FROM audit au JOIN users u ON au.actor = u.username WHERE au.action IN ('login', 'logout');
  `
]

/**
 * Readings store steps (a separate file from the platform DB). Keyed on (device, sensor, ts) so a
 * redelivered reading overwrites itself; `site_series` and `latest_*` tables are maintained on write so "newest per
 * sensor" never scans history.
 */
export const READINGS_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE readings (
    device_id TEXT NOT NULL,
    sensor_id TEXT NOT NULL,
    ts        INTEGER NOT NULL,
    site_id   TEXT NOT NULL,
    county    TEXT NOT NULL,
    type      TEXT NOT NULL,
    fields    TEXT NOT NULL,
    seq       INTEGER,
    PRIMARY KEY (device_id, sensor_id, ts)
  ) WITHOUT ROWID;

  -- Which series ever had readings at a site, so range reads scan the clustered primary key per
  -- series; a (site_id, ts) index would hop into the table for every row (measured 4x slower).
  CREATE TABLE site_series (
    site_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    sensor_id TEXT NOT NULL,
    type      TEXT NOT NULL,
    PRIMARY KEY (site_id, device_id, sensor_id, type)
  ) WITHOUT ROWID;

  CREATE TABLE latest_readings (
    device_id TEXT NOT NULL,
    sensor_id TEXT NOT NULL,
    ts        INTEGER NOT NULL,
    site_id   TEXT NOT NULL,
    county    TEXT NOT NULL,
    type      TEXT NOT NULL,
    fields    TEXT NOT NULL,
    seq       INTEGER,
    PRIMARY KEY (site_id, device_id, sensor_id)
  ) WITHOUT ROWID;

  CREATE TABLE statuses (
    device_id TEXT NOT NULL,
    ts        INTEGER NOT NULL,
    site_id   TEXT NOT NULL,
    json      TEXT NOT NULL,
    PRIMARY KEY (device_id, ts)
  ) WITHOUT ROWID;
  CREATE INDEX statuses_site_ts ON statuses (site_id, ts);

  CREATE TABLE latest_statuses (
    site_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    ts        INTEGER NOT NULL,
    json      TEXT NOT NULL,
    PRIMARY KEY (site_id, device_id)
  ) WITHOUT ROWID;
  `
]

/** Bring `db` up to the latest of `steps` in one transaction; returns the resulting version. */
export function migrate(db: Database.Database, steps: readonly string[]): number {
  const current = db.pragma('user_version', { simple: true })
  if (typeof current !== 'number') throw new Error(`unexpected user_version ${String(current)}`)
  if (current > steps.length) {
    throw new Error(`database schema version ${current} is newer than this build knows (${steps.length})`)
  }
  const run = db.transaction(() => {
    for (let v = current; v < steps.length; v++) db.exec(steps[v] ?? '')
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.pragma(`user_version = ${steps.length}`)
  })
  run()
  return steps.length
}
