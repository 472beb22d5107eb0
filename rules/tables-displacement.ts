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

/** Smoothed velocities kept per channel, one per bucket, for the reference v_eq and the acceleration (our choice). */
export const velocityHistorySchema = z
  .object({
    bucketH: z.number().positive(),
    windowH: z.number().positive()
  })
  .strict()
  .refine((h) => h.windowH / h.bucketH <= 2048, { message: 'windowH / bucketH must not exceed 2048 entries', path: ['windowH'] })

/** Improved tangent angle (Xu et al. 2009, domain.md §3); the band and the reference settings are our choice. */
export const tangentAngleSchema = z
  .object({
    source: z.string().min(1),
    steadyBandDeg: z.number().positive().max(30),
    /** v_i is the mean smoothed velocity of this trailing span: a day, as Xu's daily series, so a crack meter's daily thermal cycle does not read as acceleration. */
    smoothH: z.number().nonnegative(),
    orangeDeg: z.number().gt(45).lt(90),
    redDeg: z.number().gt(45).lt(90),
    /** Reference v_eq from the channel's history: the median over the whole history window … */
    referenceMinSpanH: z.number().nonnegative(),
    /** … and no angle below this v_eq: slower creep is within the noise of the fit. */
    minReferenceMmPerDay: z.number().positive(),
    /**
     * Above blue only when v − v_eq is at least this many standard errors of the velocity fit: the
     * levels are relative to v_eq, so noise alone crosses 50° wherever v_eq is small.
     */
    minStandardErrors: z.number().nonnegative()
  })
  .strict()
  .refine((t) => t.redDeg > t.orangeDeg && t.orangeDeg > 45 + t.steadyBandDeg, { message: 'needs 45 + steadyBandDeg < orangeDeg < redDeg', path: ['orangeDeg'] })

/** Acceleration, the trend of the velocity history (Energies 2021, 14(4):1091: 0.9 mm/d² → yellow). */
export const accelerationSchema = z
  .object({
    source: z.string().min(1),
    yellowMmPerDay2: z.number().positive(),
    spanH: z.number().positive(),
    minSamples: z.number().int().min(3),
    lookbackH: z.number().positive(),
    minSpanH: z.number().nonnegative()
  })
  .strict()

/** Inverse-velocity forecast (Fukuzono 1985); every number but the law is our choice. */
export const forecastSchema = z
  .object({
    source: z.string().min(1),
    /** Red when the forecast failure time is at most this far ahead (domain.md §3, our choice). */
    redWithinH: z.number().positive(),
    onsetRatio: z.number().gt(1),
    minPoints: z.number().int().min(3),
    minR2: z.number().min(0).max(1),
    minSpanH: z.number().nonnegative(),
    /** One point per this many minutes, at most `maxPoints` of them. */
    stepMin: z.number().positive(),
    maxPoints: z.number().int().min(3).max(1024)
  })
  .strict()
  .refine((f) => f.maxPoints >= f.minPoints, { message: 'maxPoints must be at least minPoints', path: ['maxPoints'] })

export const DEFAULT_VELOCITY_HISTORY = { bucketH: 1, windowH: 168 }
export const DEFAULT_TANGENT_ANGLE = {
  source: 'Xu Qiang et al. 2009 (improved tangent angle: 45° < α < 80° yellow, 80–85° orange, ≥ 85° red, ≈ 45° steady creep blue); band ±5°, v_i the mean velocity of the last 24 h, v_eq = median of the 7 days of hourly velocities kept (velocityHistory) once they span 24 h, no angle below v_eq 1 mm/day, above blue only when v − v_eq ≥ 3 standard errors of the newest fit: our choice',
  steadyBandDeg: 5,
  smoothH: 24,
  orangeDeg: 80,
  redDeg: 85,
  referenceMinSpanH: 24,
  minReferenceMmPerDay: 1,
  minStandardErrors: 3
}
export const DEFAULT_ACCELERATION = {
  source: 'Energies 2021, 14(4):1091 (acceleration ≥ 0.9 mm/d² sustained → yellow); slope of hourly velocities over 48 h (or the last 4 within 7 days), at least 24 h: our choice',
  yellowMmPerDay2: 0.9,
  spanH: 48,
  minSamples: 4,
  lookbackH: 168,
  minSpanH: 24
}
export const DEFAULT_FORECAST = {
  source: 'Fukuzono 1985 (1/v linear in t before failure); red when t_f is within 24 h while velocity, tangent angle or acceleration is ≥ yellow (domain.md §3, our choice); onset at 1.19 × v_eq (tan 50°), ≥ 6 points over ≥ 3 h (and over the fit span of the newest velocity) with R² ≥ 0.8, one point per 10 min, at most 72 (12 h): our choice',
  redWithinH: 24,
  onsetRatio: Math.tan((50 * Math.PI) / 180),
  minPoints: 6,
  minR2: 0.8,
  minSpanH: 3,
  stepMin: 10,
  maxPoints: 72
}

export const displacementTableSchema = z
  .object({
    source: z.string().min(1),
    velocityMmPerDay: fullThresholdsSchema,
    regression: regressionSchema,
    grossError: grossErrorSchema.default({ k: 3, floorMm: 5, sensorTypes: ['gnss'] }),
    velocityHistory: velocityHistorySchema.default(DEFAULT_VELOCITY_HISTORY),
    tangentAngle: tangentAngleSchema.default(DEFAULT_TANGENT_ANGLE),
    acceleration: accelerationSchema.default(DEFAULT_ACCELERATION),
    forecast: forecastSchema.default(DEFAULT_FORECAST)
  })
  .strict()
  .refine((d) => d.acceleration.lookbackH <= d.velocityHistory.windowH, {
    message: 'acceleration.lookbackH must not exceed velocityHistory.windowH',
    path: ['acceleration', 'lookbackH']
  })
export type DisplacementTable = z.infer<typeof displacementTableSchema>
