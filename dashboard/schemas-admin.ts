import { z } from 'zod'
import { regionCodeSchema } from '../domain/index.js'
import { USER_ROLES } from '../store/platform-db.js'
import { instantSchema } from './schemas.js'

/** The HTTP shapes of account management (/api/users) and the audit log (/api/audit). */

export const accountSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(USER_ROLES),
  region: regionCodeSchema,
  regionName: z.string(),
  disabled: z.boolean()
})
export type Account = z.infer<typeof accountSchema>

export const accountsResponseSchema = z.object({ users: z.array(accountSchema) })
export const accountResponseSchema = z.object({ user: accountSchema })

/** Letters (any script), digits and `_ . @ -`: no spaces, nothing that needs quoting in a log line. */
const usernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}_.@-]+$/u, 'a username is letters, digits and _ . @ -')
const displayNameSchema = z.string().trim().min(1).max(64)
/** The minimum length is checked in the route, so a short one answers GH_ERR_WEAK_PASSWORD, not a generic 400. */
const passwordSchema = z.string().max(256)

export const createAccountBodySchema = z.object({
  username: usernameSchema,
  displayName: displayNameSchema,
  role: z.enum(USER_ROLES),
  region: regionCodeSchema,
  password: passwordSchema
})

export const updateAccountBodySchema = z
  .object({
    displayName: displayNameSchema.optional(),
    role: z.enum(USER_ROLES).optional(),
    region: regionCodeSchema.optional(),
    disabled: z.boolean().optional()
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'name at least one of displayName, role, region, disabled')

export const passwordBodySchema = z.object({ password: passwordSchema })
/** POST /api/me/password: your own, with the current one (a stolen session alone cannot change it). */
export const ownPasswordBodySchema = z.object({ current: passwordSchema, next: passwordSchema })

export const accountIdParamsSchema = z.object({ id: z.string().min(1).max(64) })

export const auditQuerySchema = z.object({
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  actor: z.string().min(1).max(64).optional(),
  /** Exactly this action, or with a trailing `.` all under it (`user.`, `alert.`). */
  action: z.string().min(1).max(64).optional(),
  /** Paging: the `nextBefore` of the previous page. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100)
})

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  detail: z.record(z.string(), z.unknown()),
  regions: z.array(z.string())
})
export type AuditEntryView = z.infer<typeof auditEntrySchema>

export const auditResponseSchema = z.object({
  entries: z.array(auditEntrySchema),
  /** Pass as `before` for the next (older) page; null when this page is the last. */
  nextBefore: z.number().int().nullable()
})
