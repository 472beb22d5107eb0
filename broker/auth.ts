import { createHash, timingSafeEqual } from 'node:crypto'
import { fail, ok, type Result } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import { isServiceRole, type Principal, type ServiceRole } from './acl.js'

/** MQTT username prefix of the platform's own services (helper brief "MQTT conventions"). */
export const SERVICE_USERNAME_PREFIX = 'svc:'

export interface ConnectCredentials {
  clientId: string
  username: string | undefined
  password: Buffer | undefined
}

export interface AuthContext {
  /** Only the synchronous registry calls: the decision must not yield (store/platform-db.ts). */
  db: Pick<PlatformDb, 'getPlacement' | 'verifyDeviceSecret'>
  serviceSecret: (role: ServiceRole) => string
}

/**
 * Who is connecting. Devices: client id = device id (DZ/T 0450 transport, domain.md §2), username
 * equal to it or absent (DZ/T firmware often sets only the client id), password = device secret.
 * Services: username `svc:<role>` and the service secret.
 */
export function authenticateConnect(creds: ConnectCredentials, ctx: AuthContext): Result<Principal> {
  const { clientId, username, password } = creds
  if (password === undefined || password.length === 0) return fail('no password')
  if (username !== undefined && username.startsWith(SERVICE_USERNAME_PREFIX)) {
    const role = username.slice(SERVICE_USERNAME_PREFIX.length)
    if (!isServiceRole(role)) return fail(`unknown service ${role.slice(0, 32)}`)
    if (!secretEquals(password, ctx.serviceSecret(role))) return fail(`wrong secret for service ${role}`)
    // MQTT-3.1.4-2 lets a new session take over a client id: a service must never evict a device.
    if (ctx.db.getPlacement(clientId) !== undefined) return fail(`service ${role} may not use device id ${clientId} as client id`)
    return ok({ kind: 'service', role })
  }
  if (username !== undefined && username !== '' && username !== clientId) return fail('device username differs from client id')
  const placement = ctx.db.getPlacement(clientId)
  // Verify even for an unknown id: the store then checks a decoy hash, so timing reveals nothing.
  const secretOk = ctx.db.verifyDeviceSecret(clientId, password.toString('utf8'))
  if (placement === undefined) return fail('unknown device')
  if (!secretOk) return fail('wrong device secret')
  return ok({ kind: 'device', placement })
}

/** Constant-time comparison; hashing first makes the lengths equal. */
function secretEquals(given: Buffer, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}
