/** Errors from the stores carry stable codes, as Fastify's `FST_ERR_*` do. */
export const STORE_ERROR_CODES = [
  'GH_ERR_BAD_SCOPE',
  'GH_ERR_UNKNOWN_DEVICE',
  'GH_ERR_USERNAME_TAKEN',
  'GH_ERR_BAD_USER',
  'GH_ERR_STORE_CLOSED',
  'GH_ERR_BAD_QUERY'
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
