import { afterAll, expect, test } from 'vitest'
import type { ServiceRole } from '../../broker/acl.js'
import { authenticateConnect, type ConnectCredentials } from '../../broker/auth.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { DEVICES, DZT_ID, REGISTRY, SERVICE_SECRET } from './harness.js'

const db = openPlatformDb(':memory:')
db.importRegistry(REGISTRY)
afterAll(() => db.close())

const RULES_SECRET = 'rules-own-secret'
const serviceSecret = (role: ServiceRole): string => (role === 'rules' ? RULES_SECRET : SERVICE_SECRET)
const creds = (clientId: string, username: string | undefined, password: string | undefined): ConnectCredentials => ({
  clientId,
  username,
  password: password === undefined ? undefined : Buffer.from(password)
})

test.each<[string, ConnectCredentials, string]>([
  ['device, username = client id', creds('N-01', 'N-01', DEVICES.native.secret), 'device N-01'],
  ['DZ/T device, empty username', creds(DZT_ID, '', DEVICES.dzt.secret), `device ${DZT_ID}`],
  ['DZ/T device, no username', creds(DZT_ID, undefined, DEVICES.dzt.secret), `device ${DZT_ID}`],
  ['ingest with the shared secret', creds('geowarn-ingest', 'svc:ingest', SERVICE_SECRET), 'service ingest'],
  ['rules with its own secret', creds('geowarn-rules', 'svc:rules', RULES_SECRET), 'service rules']
])('accepted: %s', (_name, c, who) => {
  const r = authenticateConnect(c, { db, serviceSecret })
  expect(r.ok).toBe(true)
  if (!r.ok) return
  expect(r.value.kind === 'device' ? `device ${r.value.placement.deviceId}` : `service ${r.value.role}`).toBe(who)
})

test.each<[string, ConnectCredentials, RegExp]>([
  ['no password', creds('N-01', 'N-01', undefined), /no password/],
  ['empty password', creds('N-01', 'N-01', ''), /no password/],
  ['wrong device secret', creds('N-01', 'N-01', 'nope-nope-nope'), /wrong device secret/],
  ['unknown device', creds('N-99', 'N-99', DEVICES.native.secret), /unknown device/],
  ['username of another device', creds('N-01', 'N-02', DEVICES.native.secret), /differs/],
  ['rules with the shared secret', creds('geowarn-rules', 'svc:rules', SERVICE_SECRET), /wrong secret for service rules/],
  ['unknown service', creds('x', 'svc:root', SERVICE_SECRET), /unknown service/],
  ['service on a device id', creds('N-01', 'svc:ingest', SERVICE_SECRET), /may not use device id/],
  ['device secret as service', creds('N-01', 'svc:ingest', DEVICES.native.secret), /wrong secret/]
])('refused: %s', (_name, c, reason) => {
  const r = authenticateConnect(c, { db, serviceSecret })
  expect(r.ok).toBe(false)
  if (!r.ok) expect(r.reason).toMatch(reason)
})
