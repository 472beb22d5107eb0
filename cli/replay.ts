import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { inRepository } from '../dashboard/config.js'
import { countyCodeSchema, registryFileSchema } from '../domain/index.js'
import type { SiteInput } from '../rules/engine.js'
import { parseReplayCsv, parseTime, type ReplayRow } from '../rules/replay-csv.js'
import { createReplay, sortRows, type ReplayReport, type TimelineEntry } from '../rules/replay.js'
import { readLayeredRuleTables } from '../rules/rule-files.js'
import type { LayeredRuleTables } from '../rules/rule-layers.js'
import { readJsonFile } from './files.js'
import { formatReport, formatTransition } from './replay-format.js'

export const REPLAY_USAGE = `geowarn replay FILE.csv [--speed N] [--json] [--tables FILE] [--overrides FILE]
                      [--site ID] [--registry FILE] [--county CODE] [--failure TIME]
  Feeds a recorded series through the warning engine (the rules service's pure core, no broker)
  and prints the level timeline, the lead time of each level and the inverse-velocity forecasts.

  FILE.csv    header row, then rows: time,site,type,value[,sensor]
              time: ISO-8601 with Z or an offset, or epoch ms; daily, hourly or finer, any mix
              type: a sensor type (gnss, crack, deep_disp, rain, groundwater, mud_level, …) or
                    "failure" (a marker: when the slope failed; lead times are measured to it)
              value: the type's main quantity — rain: mm since the previous row; gnss: cumulative
                    horizontal displacement, mm; crack: opening, mm; groundwater, mud_level: level, m
              sensor: the device (several sensors of a type on a site); default <type>-1
              Bad rows are reported with their line number and skipped.
  --speed N   pace the replay at N × recorded time (86400: a day per second); default: as fast as
              possible. Paced replays print each level change as it happens.
  --json      the whole report as JSON
  --tables    rule tables (default: GEOWARN_RULES_FILE or config/rules-default.json)
  --overrides regional override file (default: GEOWARN_RULES_OVERRIDES_FILE, else none)
  --site ID   replay only this site's rows
  --registry  a registry file: the sites' counties and per-site rules
  --county    the county of sites not in the registry (default 000000: no regional layers)
  --failure   failure time for every site without a failure row (ISO-8601 or epoch ms)

  Lead time: for each level reached, the time from when the site first stood at that level (or
  higher) to the reference: the failure marker when declared, else the time the peak level of the
  replay was first reached. Negative = the level came after the failure. Each rise also shows the
  time until the next higher level.`

export interface ReplayIo {
  out(text: string): void
  err(text: string): void
  /** Pacing clock and sleep; tests pass fakes. */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

const CONSOLE_IO: ReplayIo = { out: (t) => console.log(t), err: (t) => console.error(t) }

/** `geowarn replay`: exit 0 when the replay ran (bad rows are reported, not fatal), 2 on bad usage. */
export async function runReplayCommand(args: string[], io: ReplayIo = CONSOLE_IO): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        speed: { type: 'string' },
        json: { type: 'boolean', default: false },
        tables: { type: 'string' },
        overrides: { type: 'string' },
        site: { type: 'string' },
        registry: { type: 'string' },
        county: { type: 'string' },
        failure: { type: 'string' },
        help: { type: 'boolean', default: false }
      },
      strict: true
    })
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${REPLAY_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.out(REPLAY_USAGE)
    return 0
  }
  const file = positionals[0]
  const usage = (reason: string): number => {
    io.err(`${reason}\n\n${REPLAY_USAGE}`)
    return 2
  }
  if (file === undefined || positionals.length > 1) return usage('give exactly one CSV file')
  const speed = values.speed === undefined ? undefined : Number(values.speed)
  if (speed !== undefined && !(Number.isFinite(speed) && speed > 0)) return usage(`--speed ${values.speed}: a number > 0`)
  const failureAtMs = values.failure === undefined ? undefined : parseTime(values.failure)
  if (values.failure !== undefined && failureAtMs === undefined) return usage(`--failure ${values.failure}: ISO-8601 with Z or an offset, or epoch ms`)
  if (values.county !== undefined && !countyCodeSchema.safeParse(values.county).success && values.county !== '000000') return usage(`--county ${values.county}: a 6-digit county code`)

  const tables = await loadTables(values.tables ?? process.env.GEOWARN_RULES_FILE ?? inRepository('config', 'rules-default.json'), values.overrides ?? process.env.GEOWARN_RULES_OVERRIDES_FILE)
  const sites = values.registry === undefined ? [] : await loadSites(values.registry)
  const { rows, bad } = parseReplayCsv(await readFile(file, 'utf8'))

  const replay = createReplay({
    tables,
    sites,
    ...(values.county === undefined ? {} : { county: values.county }),
    ...(failureAtMs === undefined ? {} : { failureAtMs }),
    ...(values.site === undefined ? {} : { siteId: values.site })
  })
  const sorted = sortRows(rows)
  if (speed !== undefined) await paced(sorted, speed, io, (row) => replay.step(row).transition, values.json)
  else for (const row of sorted) replay.step(row)
  const report: ReplayReport = replay.report(bad)
  io.out(values.json ? JSON.stringify({ file, ...report }, null, 2) : formatReport(file, report))
  return 0
}

/** Hold each row until its recorded time / speed has passed since the first row. */
async function paced(rows: readonly ReplayRow[], speed: number, io: ReplayIo, step: (row: ReplayRow) => TimelineEntry | null, quiet: boolean): Promise<void> {
  const now = io.now ?? Date.now
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const first = rows[0]
  if (first === undefined) return
  const startWall = now()
  for (const row of rows) {
    const due = startWall + (row.ts - first.ts) / speed
    const wait = due - now()
    if (wait >= 1) await sleep(wait)
    const t = step(row)
    if (t !== null && !quiet) io.out(formatTransition(t))
  }
}

async function loadTables(tablesFile: string, overridesFile: string | undefined): Promise<LayeredRuleTables> {
  const loaded = await readLayeredRuleTables(tablesFile, overridesFile)
  if (!loaded.ok) throw new Error(`rule tables refused:\n  ${loaded.reason.join('\n  ')}`)
  return loaded.value
}

async function loadSites(file: string): Promise<SiteInput[]> {
  const parsed = registryFileSchema.safeParse(await readJsonFile(file))
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return parsed.data.sites.map((s) => ({ id: s.id, county: s.county, rules: s.rules }))
}

