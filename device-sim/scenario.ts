import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { countyCodeSchema, fail, idSchema, ok, type Result, type Site } from '../domain/index.js'

/**
 * A scenario: what the weather and the slopes do, as data. All `…H` times are hours from the
 * scenario start, which is `backfillH` hours before the simulator starts (the history the devices
 * "upload from their buffers" first).
 */

/** Which sites a storm or a motion applies to: all of them, or by county and/or site id. */
const targetSchema = z.object({
  all: z.boolean().default(false),
  counties: z.array(countyCodeSchema).default([]),
  siteIds: z.array(idSchema).default([])
})

/** Hyetograph: linear build-up to the peak rate, a plateau, then an exponential tail. */
export const stormSchema = targetSchema.extend({
  name: z.string().max(100).default('storm'),
  startH: z.number(),
  buildUpH: z.number().min(0),
  peakH: z.number().min(0),
  /** e-folding time of the tail. */
  tailH: z.number().positive(),
  peakMmPerH: z.number().min(0).max(300),
  /** Per-site scale drawn uniformly from [1 − spread, 1 + spread], so neighbours differ a little. */
  spread: z.number().min(0).max(0.9).default(0)
})
export type Storm = z.infer<typeof stormSchema>

/**
 * Slope motion of a site: constant creep, then, from `onsetH`, acceleration under the inverse-velocity
 * law (Fukuzono 1985, domain.md §3) towards failure at `failureH`.
 */
export const motionSchema = z
  .object({
    siteId: idSchema,
    creepMmPerDay: z.number().min(0),
    onsetH: z.number().optional(),
    failureH: z.number().optional(),
    /** Direction of sliding, degrees clockwise from north. */
    azimuthDeg: z.number().min(0).max(360).optional()
  })
  .refine((m) => (m.onsetH === undefined) === (m.failureH === undefined), 'onsetH and failureH go together')
  .refine((m) => m.onsetH === undefined || m.failureH === undefined || m.failureH > m.onsetH, 'failureH must follow onsetH')
export type Motion = z.infer<typeof motionSchema>

export const scenarioSchema = z.object({
  version: z.literal(1),
  name: z.string().min(1).max(100),
  notes: z.string().max(4000).optional(),
  seed: z.number().int().min(0).max(0xffffffff),
  /** History replayed fast before real time; the scenario clock starts this long before now. */
  backfillH: z.number().min(0).max(72),
  /** Scenario end (hours from its start); absent = run until stopped. */
  endH: z.number().positive().optional(),
  /** Sampling interval of the replayed history: the intensified 300 s (domain.md §2). */
  backfillIntervalS: z.number().int().min(10).max(3600).default(300),
  /** Samples per uploaded batch (one type-2 frame or one native message). */
  batchSamples: z.number().int().min(1).max(100).default(12),
  /** Live sampling interval; absent = each device's intensified `plusIntvS`. */
  liveIntervalS: z.number().int().min(1).max(3600).optional(),
  /** GNSS receivers solve no faster than this, even when the live interval is shorter. */
  gnssIntervalS: z.number().int().min(1).max(3600).default(300),
  /** Live status heartbeat interval. */
  statusIntervalS: z.number().int().min(1).max(7200).default(300),
  storms: z.array(stormSchema).default([]),
  /** Sites not listed creep at a quiet rate drawn from this range. */
  quietCreepMmPerDay: z.tuple([z.number().min(0), z.number().min(0)]).default([0.05, 0.6]),
  motions: z.array(motionSchema).default([]),
  faults: z
    .object({
      /** Probability that a sensor misses one sample (reported as sensor_state −3, domain.md §2). */
      noSampleRate: z.number().min(0).max(1).default(0.005),
      /** Probability that a GNSS fix is a gross outlier (multipath). */
      gnssOutlierRate: z.number().min(0).max(1).default(0.01)
    })
    .prefault({}),
  /** Share of DZ/T devices that send live values as type-1 frames (no timestamp). */
  dztPlainShare: z.number().min(0).max(1).default(0.3)
})
export type Scenario = z.infer<typeof scenarioSchema>
export type ScenarioInput = z.input<typeof scenarioSchema>

export function parseScenario(json: unknown): Result<Scenario> {
  const parsed = scenarioSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    return fail(`invalid scenario: ${first.join('; ')}`)
  }
  return ok(parsed.data)
}

export async function loadScenario(path: string): Promise<Result<Scenario>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return fail(`cannot read scenario ${path}: ${(err as Error).message}`)
  }
  try {
    return parseScenario(JSON.parse(text))
  } catch (err) {
    return fail(`scenario ${path} is not JSON: ${(err as Error).message}`)
  }
}

export function targets(t: { all: boolean; counties: string[]; siteIds: string[] }, site: Pick<Site, 'id' | 'county'>): boolean {
  return t.all || t.counties.includes(site.county) || t.siteIds.includes(site.id)
}
