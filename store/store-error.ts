/** Errors from the stores carry stable codes, as Fastify's `FST_ERR_*` do. */
export const STORE_ERROR_CODES = [
  'GH_ERR_BAD_SCOPE',
  'GH_ERR_UNKNOWN_DEVICE',
  'GH_ERR_USERNAME_TAKEN',
  'GH_ERR_BAD_USER',
  'GH_ERR_UNKNOWN_USER',
  'GH_ERR_LAST_ADMIN',
  'GH_ERR_STORE_CLOSED',
  'GH_ERR_BAD_QUERY',
  'GH_ERR_BAD_POINT'
] as const
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number]

export class StoreError extends Error {
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string) {
    super(message)
    this.name = 'StoreError'
    this.code = code
  }
}

/** One point a store refused for good (it can never be written as it is), and why. */
export interface RejectedPoint {
  /** Index in the array passed to write() or writeStatuses(). */
  index: number
  reason: string
}

/**
 * A store's write() / writeStatuses() rejects with this when some points can never be stored
 * (a timestamp outside the store's range, a non-finite value). Every other point of the call has
 * been written when it is thrown, so the caller drops only `rejected` and must not retry the batch.
 */
export class PointsRejectedError extends StoreError {
  readonly rejected: readonly RejectedPoint[]

  constructor(rejected: readonly RejectedPoint[]) {
    const first = rejected[0]
    super('GH_ERR_BAD_POINT', `${rejected.length} point(s) refused by the store${first === undefined ? '' : `; first: #${first.index} ${first.reason}`}`)
    this.name = 'PointsRejectedError'
    this.rejected = rejected
  }
}
