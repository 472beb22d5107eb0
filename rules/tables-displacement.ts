import { z } from 'zod'
import { fullThresholdsSchema } from './tables-common.js'

/** The displacement table: velocity thresholds, the fit and the gross-error filter (domain.md §3 "Displacement"). */

export const regressionSchema = z
  .object({
    /** Trailing span the velocity is fitted over. */
    spanH: z.number().positive(),
    /** Fewer samples than this in the span: take the last `minSamples` instead (domain.md §3: 3+). */
    minSamples: z.number().int().min(3, 'a trailing regression needs at least 3 samples (domain.md §3)'),
    /** Ring size per channel: the fit never uses more. */
    maxSamples: z.number().int().min(3).max(1024),
    /** Samples older than this are never used, however few remain. */
    lookbackH: z.number().positive(),
    /** No grade until the fitted samples span this (our choice, 2 h): short spans turn noise into speed. */
    minSpanH: z.number().nonnegative().default(2),
    /** Graded only when |v| is at least this many standard errors of the fit (our choice, 3). */
    minStandardErrors: z.number().nonnegative().default(3)
  })
  .strict()
  .refine((r) => r.maxSamples >= r.minSamples, { message: 'maxSamples must be at least minSamples', path: ['maxSamples'] })
  .refine((r) => r.lookbackH >= r.spanH, { message: 'lookbackH must be at least spanH', path: ['lookbackH'] })
  .refine((r) => r.minSpanH <= r.lookbackH, { message: 'minSpanH must not exceed lookbackH', path: ['minSpanH'] })

/** Robust gross-error filter before the fit (domain.md §3: median filter on GNSS, |x − median| > 3σ → reject). */
export const grossErrorSchema = z
  .object({
    k: z.number().positive(),
    /** Never reject within this many mm of the robust line (a smooth series has σ ≈ 0). */
    floorMm: z.number().positive(),
    sensorTypes: z.array(z.enum(['gnss', 'crack', 'deep_disp'])).default(['gnss'])
  })
  .strict()

export const displacementTableSchema = z
  .object({
    source: z.string().min(1),
    velocityMmPerDay: fullThresholdsSchema,
    regression: regressionSchema,
    grossError: grossErrorSchema.default({ k: 3, floorMm: 5, sensorTypes: ['gnss'] })
  })
  .strict()
