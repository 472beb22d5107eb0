import { z } from 'zod'
import { regionCodeSchema } from './ids.js'

/**
 * GB/T 2260 codes: PPCCDD. The chain county → city → province → nation is derived from the code;
 * names come from the bundled division table (store/divisions.ts).
 */
export const NATION_CODE = '000000'
export const REGION_LEVELS = ['nation', 'province', 'city', 'county'] as const
export type RegionLevel = (typeof REGION_LEVELS)[number]

export const regionSchema = z.object({
  code: regionCodeSchema,
  name: z.string(),
  level: z.enum(REGION_LEVELS),
  parent: regionCodeSchema.nullable()
})
export type Region = z.infer<typeof regionSchema>

export function regionLevel(code: string): RegionLevel {
  if (code === NATION_CODE) return 'nation'
  if (code.endsWith('0000')) return 'province'
  if (code.endsWith('00')) return 'city'
  return 'county'
}

export function provinceOf(code: string): string {
  return `${code.slice(0, 2)}0000`
}

/** Two-digit province prefix, as used in canonical topics. */
export function provincePrefix(code: string): string {
  return code.slice(0, 2)
}

export function cityOf(code: string): string {
  return `${code.slice(0, 4)}00`
}

/** The codes from the region itself up to the nation, nearest first. */
export function regionChain(code: string): string[] {
  switch (regionLevel(code)) {
    case 'nation':
      return [NATION_CODE]
    case 'province':
      return [code, NATION_CODE]
    case 'city':
      return [code, provinceOf(code), NATION_CODE]
    case 'county':
      return [code, cityOf(code), provinceOf(code), NATION_CODE]
  }
}

/** Whether `code` lies within `scope` (a scope contains itself). */
export function regionContains(scope: string, code: string): boolean {
  switch (regionLevel(scope)) {
    case 'nation':
      return true
    case 'province':
      return code.slice(0, 2) === scope.slice(0, 2)
    case 'city':
      return code.slice(0, 4) === scope.slice(0, 4)
    case 'county':
      return code === scope
  }
}
