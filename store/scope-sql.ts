import { regionCodeSchema, regionLevel } from '../domain/index.js'
import { StoreError } from './store-error.js'

/**
 * A jurisdiction scope as a SQL `LIKE` pattern on a county-code column, with the semantics of
 * domain/regions.ts `regionContains`: the nation matches all (undefined: no filter), a province its
 * 2-digit prefix, a city its 4-digit prefix, a county itself. Codes are digits only, so nothing
 * needs escaping.
 */
export function scopeLikePattern(scope: string | undefined): string | undefined {
  if (scope === undefined) return undefined
  if (!regionCodeSchema.safeParse(scope).success) {
    throw new StoreError('GH_ERR_BAD_SCOPE', `scope must be a six-digit region code, got ${JSON.stringify(scope)}`)
  }
  switch (regionLevel(scope)) {
    case 'nation':
      return undefined
    case 'province':
      return `${scope.slice(0, 2)}%`
    case 'city':
      return `${scope.slice(0, 4)}%`
    case 'county':
      return scope
  }
}
