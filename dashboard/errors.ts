/**
 * API errors carry stable codes, as Fastify's `FST_ERR_*` do (style.md "Boundaries"). The web app
 * and scripts branch on `code`, never on `message`.
 */
export const API_ERROR_CODES = [
  'GH_ERR_BAD_REQUEST',
  'GH_ERR_UNAUTHORIZED',
  'GH_ERR_BAD_CREDENTIALS',
  'GH_ERR_FORBIDDEN',
  'GH_ERR_NOT_FOUND',
  'GH_ERR_UNKNOWN_SITE',
  'GH_ERR_UNKNOWN_ALERT',
  'GH_ERR_ALERT_STATE',
  'GH_ERR_ALERT_CONFLICT',
  'GH_ERR_PAYLOAD_TOO_LARGE',
  'GH_ERR_UNSUPPORTED_MEDIA_TYPE',
  'GH_ERR_RATE_LIMITED',
  'GH_ERR_UNKNOWN_USER',
  'GH_ERR_USERNAME_TAKEN',
  'GH_ERR_LAST_ADMIN',
  'GH_ERR_REGION_OUT_OF_SCOPE',
  'GH_ERR_WEAK_PASSWORD',
  'GH_ERR_INTERNAL'
] as const
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]

export class ApiError extends Error {
  readonly statusCode: number
  readonly code: ApiErrorCode

  constructor(statusCode: number, code: ApiErrorCode, message: string) {
    super(message)
    this.name = 'ApiError'
    this.statusCode = statusCode
    this.code = code
  }
}

/** The code a 4xx from Fastify itself (bad JSON, wrong content type, body too large) maps to. */
export function codeForStatus(statusCode: number): ApiErrorCode {
  switch (statusCode) {
    case 401:
      return 'GH_ERR_UNAUTHORIZED'
    case 403:
      return 'GH_ERR_FORBIDDEN'
    case 404:
      return 'GH_ERR_NOT_FOUND'
    case 413:
      return 'GH_ERR_PAYLOAD_TOO_LARGE'
    case 415:
      return 'GH_ERR_UNSUPPORTED_MEDIA_TYPE'
    case 429:
      return 'GH_ERR_RATE_LIMITED'
    default:
      return statusCode >= 500 ? 'GH_ERR_INTERNAL' : 'GH_ERR_BAD_REQUEST'
  }
}
