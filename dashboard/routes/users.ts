import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { regionContains } from '../../domain/index.js'
import { getRegion } from '../../store/divisions.js'
import { MIN_PASSWORD_LENGTH, type User, type UserPatch } from '../../store/platform-db.js'
import { StoreError } from '../../store/store-error.js'
import { isAdmin } from '../auth.js'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'
import { authOf } from '../plugins/auth.js'
import { errorBodySchema, okSchema } from '../schemas.js'
import {
  accountIdParamsSchema,
  accountResponseSchema,
  accountsResponseSchema,
  createAccountBodySchema,
  ownPasswordBodySchema,
  passwordBodySchema,
  updateAccountBodySchema,
  type Account
} from '../schemas-admin.js'
import { nameOf } from '../site-views.js'

/**
 * Account management by administrators. An administrator manages the accounts whose region lies in
 * their jurisdiction and grants no region outside it; an account outside answers exactly like an
 * unknown one. Administrator accounts are managed only from above: at their own region level an
 * administrator manages non-administrators, never a peer administrator (no lateral takeover) and
 * never makes one; they change only their own display name, and their own password through
 * POST /api/me/password with the current one. The platform DB refuses to disable or demote the
 * last enabled national administrator (GH_ERR_LAST_ADMIN), in the transaction that would do it.
 */
export const userRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  const errors = { 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema }

  fastify.get(
    '/api/users',
    { schema: { summary: 'Accounts in the administrator’s jurisdiction, disabled ones included', tags: ['users'], response: { 200: accountsResponseSchema, 403: errorBodySchema } } },
    async (req) => {
      const admin = requireAdmin(authOf(req).user)
      return { users: ctx.db.listUsers({ scope: admin.region, includeDisabled: true }).map(toAccount) }
    }
  )

  fastify.post(
    '/api/users',
    { schema: { summary: 'Create an account', tags: ['users'], body: createAccountBodySchema, response: { 200: accountResponseSchema, ...errors } } },
    async (req) => {
      const admin = requireAdmin(authOf(req).user)
      const { password, ...fields } = req.body
      checkRegion(admin, fields.region)
      checkManageable(admin, fields)
      checkPassword(password)
      const user = storeCall(() => ctx.db.createUser({ ...fields, password }))
      ctx.db.audit({
        at: ctx.now(),
        actor: admin.username,
        action: 'user.create',
        target: `user:${user.id}`,
        detail: { username: user.username, after: { role: user.role, region: user.region, displayName: user.displayName } },
        regions: [user.region]
      })
      return { user: toAccount(user) }
    }
  )

  fastify.patch(
    '/api/users/:id',
    { schema: { summary: 'Change an account’s display name, role, region, or disable / enable it', tags: ['users'], params: accountIdParamsSchema, body: updateAccountBodySchema, response: { 200: accountResponseSchema, ...errors } } },
    async (req) => {
      const admin = requireAdmin(authOf(req).user)
      const before = accountInScope(ctx, admin, req.params.id)
      if (before.id === admin.id) {
        // Naming an unchanged value is harmless (a client sending the whole form); a change is not.
        if ((['role', 'region', 'disabled'] as const).some((k) => req.body[k] !== undefined && req.body[k] !== before[k])) {
          throw new ApiError(403, 'GH_ERR_FORBIDDEN', 'you may change only your own display name; your role, region and status are managed from above')
        }
      } else checkManageable(admin, before)
      const patch: UserPatch = {}
      if (req.body.displayName !== undefined) patch.displayName = req.body.displayName
      if (req.body.role !== undefined) patch.role = req.body.role
      if (req.body.disabled !== undefined) patch.disabled = req.body.disabled
      if (req.body.region !== undefined) {
        checkRegion(admin, req.body.region)
        patch.region = req.body.region
      }
      if (before.id !== admin.id) checkManageable(admin, { role: patch.role ?? before.role, region: patch.region ?? before.region })
      const sessionIds = ctx.sessions.idsOf(before.id)
      const after = storeCall(() => ctx.db.updateUser(before.id, patch))
      const changed = (['displayName', 'role', 'region', 'disabled'] as const).filter((k) => before[k] !== after[k])
      if (changed.length === 0) return { user: toAccount(after) }

      // REST reads the account on every request; a live socket chose its rooms at connect time.
      // Disabled: its sessions are gone, so the reconnect fails and the page returns to login.
      // Role or region changed: the reconnect joins the rooms of the new scope.
      if (changed.some((k) => k !== 'displayName')) for (const id of sessionIds) ctx.sockets.dropSession(id)
      const only = changed.length === 1 && changed[0] === 'disabled'
      ctx.db.audit({
        at: ctx.now(),
        actor: admin.username,
        action: only ? (after.disabled ? 'user.disable' : 'user.enable') : 'user.update',
        target: `user:${after.id}`,
        detail: {
          username: after.username,
          before: Object.fromEntries(changed.map((k) => [k, before[k]])),
          after: Object.fromEntries(changed.map((k) => [k, after[k]])),
          ...(after.disabled && !before.disabled ? { sessionsEnded: sessionIds.length } : {})
        },
        regions: [...new Set([before.region, after.region])]
      })
      return { user: toAccount(after) }
    }
  )

  fastify.post(
    '/api/users/:id/password',
    { schema: { summary: 'Set a new password; ends the account’s other sessions', tags: ['users'], params: accountIdParamsSchema, body: passwordBodySchema, response: { 200: okSchema, ...errors } } },
    async (req) => {
      const { user: admin, session } = authOf(req)
      requireAdmin(admin)
      const target = accountInScope(ctx, admin, req.params.id)
      if (target.id === admin.id) throw new ApiError(403, 'GH_ERR_FORBIDDEN', 'change your own password with POST /api/me/password and the current one')
      checkManageable(admin, target)
      // Whoever knew the old password is out.
      setPasswordEndingSessions(ctx, { actor: admin.username, action: 'user.password', target, password: req.body.password, keepSession: session.id })
      return { ok: true as const }
    }
  )

  fastify.post(
    '/api/me/password',
    { schema: { summary: 'Change your own password (needs the current one); ends your other sessions', tags: ['auth'], body: ownPasswordBodySchema, response: { 200: okSchema, 400: errorBodySchema, 403: errorBodySchema, 429: errorBodySchema } } },
    async (req) => {
      const { user, session } = authOf(req)
      // A stolen session must not turn into the password itself: the current one is asked for,
      // and guessing it is limited like logging in.
      const key = `me-password:${user.id}`
      if (ctx.limiter.blocked(key)) {
        ctx.rejects.reject('me-password:rate-limited', 'too many wrong current passwords', { username: user.username })
        throw new ApiError(429, 'GH_ERR_RATE_LIMITED', 'too many wrong passwords; try again later')
      }
      if ((await ctx.db.verifyUser(user.username, req.body.current)) === undefined) {
        ctx.limiter.fail(key)
        ctx.rejects.reject('me-password:bad-credentials', 'wrong current password', { username: user.username })
        throw new ApiError(403, 'GH_ERR_BAD_CREDENTIALS', 'the current password is wrong')
      }
      ctx.limiter.succeed(key)
      // This session stays; any other (perhaps on a lost phone) ends.
      setPasswordEndingSessions(ctx, { actor: user.username, action: 'user.password.self', target: user, password: req.body.next, keepSession: session.id })
      return { ok: true as const }
    }
  )
}

function toAccount(u: User): Account {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, region: u.region, regionName: nameOf(u.region), disabled: u.disabled }
}

function requireAdmin(user: User): User {
  if (!isAdmin(user)) throw new ApiError(403, 'GH_ERR_FORBIDDEN', `role ${user.role} may not manage accounts`)
  return user
}

/** The account if it lies in the administrator's jurisdiction: outside looks exactly like unknown. */
function accountInScope(ctx: RouteContext, admin: User, id: string): User {
  const user = ctx.db.getUser(id)
  if (user === undefined || !regionContains(admin.region, user.region)) throw new ApiError(404, 'GH_ERR_UNKNOWN_USER', `unknown user ${id}`)
  return user
}

/**
 * Administrators are managed only from strictly above: an account that is (or would become) an
 * administrator at or above the acting administrator's own level is a peer, refused. Non-admin
 * accounts in the jurisdiction, own level included, are fine.
 */
function checkManageable(admin: User, account: Pick<User, 'role' | 'region'>): void {
  if (account.role === 'admin' && account.region === admin.region) {
    throw new ApiError(403, 'GH_ERR_FORBIDDEN', `administrator accounts of ${admin.region} are managed by an administrator above it`)
  }
}

function checkRegion(admin: User, region: string): void {
  if (getRegion(region) === undefined) throw new ApiError(400, 'GH_ERR_BAD_REQUEST', `region ${region} is not in the GB/T 2260 division table`)
  if (!regionContains(admin.region, region)) {
    throw new ApiError(403, 'GH_ERR_REGION_OUT_OF_SCOPE', `region ${region} lies outside your jurisdiction ${admin.region}`)
  }
}

function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new ApiError(400, 'GH_ERR_WEAK_PASSWORD', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`)
  }
}

/** The store's coded refusals as API errors; anything else is a bug and stays a 500. */
function storeCall<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (!(err instanceof StoreError)) throw err
    switch (err.code) {
      case 'GH_ERR_USERNAME_TAKEN':
        throw new ApiError(409, 'GH_ERR_USERNAME_TAKEN', err.message)
      case 'GH_ERR_LAST_ADMIN':
        throw new ApiError(409, 'GH_ERR_LAST_ADMIN', err.message)
      case 'GH_ERR_UNKNOWN_USER':
        throw new ApiError(404, 'GH_ERR_UNKNOWN_USER', err.message)
      case 'GH_ERR_BAD_USER':
        throw new ApiError(400, 'GH_ERR_BAD_REQUEST', err.message)
      default:
        throw err
    }
  }
}

/**
 * Set an account's password, end every other session of it (REST and live sockets), and audit it.
 * `keepSession` is the caller's own, when the caller is that account or resets it from theirs.
 */
function setPasswordEndingSessions(
  ctx: RouteContext,
  op: { actor: string; action: 'user.password' | 'user.password.self'; target: { id: string; username: string; region: string }; password: string; keepSession: string }
): void {
  checkPassword(op.password)
  storeCall(() => ctx.db.setPassword(op.target.id, op.password))
  const ended = ctx.sessions.idsOf(op.target.id).filter((id) => id !== op.keepSession)
  for (const id of ended) {
    ctx.db.deleteSession(id)
    ctx.sockets.dropSession(id)
  }
  ctx.db.audit({
    at: ctx.now(),
    actor: op.actor,
    action: op.action,
    target: `user:${op.target.id}`,
    detail: { username: op.target.username, sessionsEnded: ended.length },
    regions: [op.target.region]
  })
}
