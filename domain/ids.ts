import { z } from 'zod'

/** Ids appear as MQTT topic levels, so they exclude `/`, `+`, `#` and spaces. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'ids are 1–64 of A–Z a–z 0–9 _ . : -')

/** GB/T 2260 six-digit region code; `000000` stands for the nation (the ministry's scope). */
export const regionCodeSchema = z.string().regex(/^\d{6}$/, 'a region code has six digits (GB/T 2260)')

/** A county-level code: six digits not ending in `00`. */
export const countyCodeSchema = regionCodeSchema.refine((c) => !c.endsWith('00'), 'not a county-level code')

/** Device timestamps: ISO-8601 with `Z` or an explicit offset, or epoch milliseconds. */
export const timestampSchema = z.union([
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.number().int().min(0)
])
