import { z } from 'zod'
import { levelThresholdsSchema } from './tables-common.js'

/** The rain table: sliding windows and their thresholds (domain.md §3 "Rainfall"). */

const MAX_WINDOW_MIN = 7 * 24 * 60

export const rainWindowSchema = z
  .object({
    /** Becomes the indicator name `rain.<id>`. */
    id: z.string().regex(/^\d+(min|h|d)$/, 'a window id looks like 10min, 1h or 3d'),
    windowMin: z.number().int().positive().max(MAX_WINDOW_MIN, `a window is at most ${MAX_WINDOW_MIN} min`),
    thresholdsMm: levelThresholdsSchema
  })
  .strict()

export const rainTableSchema = z
  .object({
    profile: z.string().min(1),
    source: z.string().min(1),
    windows: z.array(rainWindowSchema).min(1).max(16)
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>()
    for (const [i, w] of t.windows.entries()) {
      if (seen.has(w.id)) ctx.addIssue({ code: 'custom', path: ['windows', i, 'id'], message: `duplicate window ${w.id}` })
      seen.add(w.id)
    }
  })
export type RainTable = z.infer<typeof rainTableSchema>
