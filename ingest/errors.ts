/** Why a write path refused a batch. Stable codes: log fields and `lastError` in the spool's stats. */
export const INGEST_ERROR_CODES = ['GH_ERR_STORE_TIMEOUT', 'GH_ERR_SPOOL_FULL', 'GH_ERR_SPOOL_IO'] as const
export type IngestErrorCode = (typeof INGEST_ERROR_CODES)[number]

export class IngestError extends Error {
  readonly code: IngestErrorCode

  constructor(code: IngestErrorCode, message: string, options?: { cause: unknown }) {
    super(message, options)
    this.name = 'IngestError'
    this.code = code
  }
}
