import type { z } from 'zod'
import type { accountSchema, auditResponseSchema, createAccountBodySchema, updateAccountBodySchema } from '../../schemas-admin.js'

/** Shapes of /api/users and /api/audit: the server's zod schemas, imported as types only. */
export type Account = z.infer<typeof accountSchema>
export type NewAccount = z.input<typeof createAccountBodySchema>
export type AccountPatch = z.input<typeof updateAccountBodySchema>
export type AuditResponse = z.infer<typeof auditResponseSchema>
export type AuditEntryView = AuditResponse['entries'][number]

export interface AuditQuery {
  from?: number
  to?: number
  actor?: string
  action?: string
  before?: number
  limit?: number
}
