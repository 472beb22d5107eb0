import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest'
import { registryFileSchema, type Alert, type RegistryFile } from '../../domain/index.js'
import type { PlatformDb } from '../../store/platform-db.js'
import { migrate, PLATFORM_MIGRATIONS } from '../../store/migrations.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { openSqlite } from '../../store/sqlite-open.js'

const dir = mkdtempSync(join(tmpdir(), 'geowarn-platform-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SECRET_A = 'plaintext-secret-of-device-a'

/** Sites in two counties of one city, another city of the same province, and another province. */
const registry: RegistryFile = registryFileSchema.parse({
  version: 1,
  sites: [
    site('s-anxian-1', '510722'), // 四川省 绵阳市 三台县
    site('s-anxian-2', '510722'),
    site('s-jiangyou', '510781'), // 四川省 绵阳市 江油市
    site('s-xichang', '513401'), // 四川省 凉山彝族自治州 西昌市
    site('s-dongxiang', '622926') // 甘肃省 临夏回族自治州 东乡族自治县
  ],
  devices: [
    { id: 'dev-a', siteId: 's-anxian-1', dialect: 'native', secret: SECRET_A, sensors: [{ id: 'rain1', type: 'rain' }] },
    { id: 'dev-b', siteId: 's-xichang', dialect: 'dzt0450', sensors: [{ id: 'L1_LF_1', type: 'crack' }] }
  ]
})

function site(id: string, county: string): unknown {
  return { id, name: `site ${id}`, hazardType: 'landslide', county, location: { lon: 104, lat: 31 } }
}

function alert(over: Partial<Alert> & Pick<Alert, 'id' | 'siteId' | 'county'>): Alert {
  return {
    level: 'yellow',
    peakLevel: 'yellow',
    state: 'open',
    openedAt: 1000,
    updatedAt: 1000,
    resolvedAt: null,
    disposition: null,
    history: [{ at: 1000, from: 'none', to: 'yellow', evidence: [] }],
    actions: [],
    escalations: [],
    ...over
  }
}

describe('sqlite platform db', () => {
  let db: PlatformDb
  beforeEach(() => {
    db = openPlatformDb(':memory:')
    db.importRegistry(registry)
  })
  afterEach(() => db.close())

  describe('registry', () => {
    test('import counts, reads back the validated objects', () => {
      expect(db.importRegistry(registry)).toEqual({ sites: 5, devices: 2 })
      expect(db.getSite('s-xichang')).toEqual(registry.sites[3])
      expect(db.getDevice('dev-a')).toEqual({ ...registry.devices[0], secret: undefined })
      expect(db.getDevice('dev-a')).not.toHaveProperty('secret')
      expect(db.listDevices('s-xichang').map((d) => d.id)).toEqual(['dev-b'])
      expect(db.listDevices().map((d) => d.id)).toEqual(['dev-a', 'dev-b'])
      expect(db.getSite('nope')).toBeUndefined()
    })

    test('placement: site, county, 2-digit province, dialect', () => {
      expect(db.getPlacement('dev-b')).toEqual({ deviceId: 'dev-b', siteId: 's-xichang', county: '513401', province: '51', dialect: 'dzt0450' })
      expect(db.getPlacement('ghost')).toBeUndefined()
    })

    test('device secrets: right one passes, wrong one and unknown devices fail', () => {
      expect(db.verifyDeviceSecret('dev-a', SECRET_A)).toBe(true)
      expect(db.verifyDeviceSecret('dev-a', `${SECRET_A}x`)).toBe(false)
      expect(db.verifyDeviceSecret('dev-b', SECRET_A)).toBe(false)
      expect(db.verifyDeviceSecret('ghost', SECRET_A)).toBe(false)
      db.setDeviceSecret('dev-b', 'a-new-secret-for-b')
      expect(db.verifyDeviceSecret('dev-b', 'a-new-secret-for-b')).toBe(true)
      expect(() => db.setDeviceSecret('ghost', 'whatever-secret')).toThrow(expect.objectContaining({ code: 'GH_ERR_UNKNOWN_DEVICE' }))
    })

    test('re-import without a secret keeps the stored hash; with one replaces it', () => {
      const withoutSecret = registryFileSchema.parse({ ...registry, devices: [{ ...registry.devices[0], secret: undefined }] })
      db.importRegistry(withoutSecret)
      expect(db.verifyDeviceSecret('dev-a', SECRET_A)).toBe(true)
      db.importRegistry(registryFileSchema.parse({ ...registry, devices: [{ ...registry.devices[0], secret: 'rotated-secret-a' }] }))
      expect(db.verifyDeviceSecret('dev-a', SECRET_A)).toBe(false)
      expect(db.verifyDeviceSecret('dev-a', 'rotated-secret-a')).toBe(true)
    })
  })

  test.each([
    ['000000', ['s-anxian-1', 's-anxian-2', 's-dongxiang', 's-jiangyou', 's-xichang']],
    ['510000', ['s-anxian-1', 's-anxian-2', 's-jiangyou', 's-xichang']],
    ['510700', ['s-anxian-1', 's-anxian-2', 's-jiangyou']],
    ['510722', ['s-anxian-1', 's-anxian-2']],
    ['513400', ['s-xichang']],
    ['620000', ['s-dongxiang']],
    ['622900', ['s-dongxiang']],
    ['110000', []],
    ['510723', []]
  ])('scope %s sees %j', (scope, ids) => {
    expect(db.listSites(scope).map((s) => s.id)).toEqual(ids)
    for (const id of ids) db.setSiteLevel({ siteId: id, county: db.getSite(id)?.county ?? '', level: 'blue', alertId: null, since: 1 })
    expect(db.listSiteLevels(scope).map((l) => l.siteId)).toEqual(ids)
  })

  test('a malformed scope is refused, not widened', () => {
    expect(() => db.listSites('51')).toThrow(expect.objectContaining({ code: 'GH_ERR_BAD_SCOPE' }))
    expect(() => db.listAlerts({ scope: "51%' OR 1=1 --" })).toThrow(expect.objectContaining({ code: 'GH_ERR_BAD_SCOPE' }))
  })

  describe('alerts', () => {
    beforeEach(() => {
      db.saveAlert(alert({ id: 'a1', siteId: 's-anxian-1', county: '510722', state: 'resolved', updatedAt: 1100, resolvedAt: 1100, disposition: 'false_alarm' }))
      db.saveAlert(alert({ id: 'a2', siteId: 's-anxian-1', county: '510722', state: 'acknowledged', openedAt: 2000, updatedAt: 2100 }))
      db.saveAlert(alert({ id: 'a3', siteId: 's-xichang', county: '513401', level: 'red', peakLevel: 'red', updatedAt: 3000 }))
      db.saveAlert(alert({ id: 'a4', siteId: 's-dongxiang', county: '622926', updatedAt: 4000 }))
    })

    test('save replaces the whole record; get reads it back', () => {
      const a2 = db.getAlert('a2')
      expect(a2?.state).toBe('acknowledged')
      const updated = alert({ id: 'a2', siteId: 's-anxian-1', county: '510722', state: 'resolved', updatedAt: 5000, actions: [{ at: 5000, by: 'duty', action: 'resolve', disposition: 'evacuated' }] })
      db.saveAlert(updated)
      expect(db.getAlert('a2')).toEqual(updated)
      expect(db.getAlert('none')).toBeUndefined()
    })

    test('active alert of a site: open or acknowledged only', () => {
      expect(db.activeAlertForSite('s-anxian-1')?.id).toBe('a2')
      expect(db.activeAlertForSite('s-anxian-2')).toBeUndefined()
    })

    test.each([
      [{}, ['a4', 'a3', 'a2', 'a1']],
      [{ scope: '510000' }, ['a3', 'a2', 'a1']],
      [{ scope: '510700', state: 'active' as const }, ['a2']],
      [{ state: 'active' as const }, ['a4', 'a3', 'a2']],
      [{ state: 'resolved' as const }, ['a1']],
      [{ siteId: 's-anxian-1' }, ['a2', 'a1']],
      [{ scope: '620000', state: 'open' as const }, ['a4']],
      [{ limit: 2 }, ['a4', 'a3']],
      [{ scope: '110000' }, []]
    ])('list %j → %j, newest update first', (filter, ids) => {
      expect(db.listAlerts(filter).map((a) => a.id)).toEqual(ids)
    })
  })

  test('site levels: set, replace, get', () => {
    db.setSiteLevel({ siteId: 's-jiangyou', county: '510781', level: 'orange', alertId: 'a9', since: 10 })
    db.setSiteLevel({ siteId: 's-jiangyou', county: '510781', level: 'none', alertId: null, since: 20 })
    expect(db.getSiteLevel('s-jiangyou')).toEqual({ siteId: 's-jiangyou', county: '510781', level: 'none', alertId: null, since: 20 })
    expect(db.getSiteLevel('s-xichang')).toBeUndefined()
  })

  describe('users', () => {
    test('create, verify, get, count; wrong password and unknown user get nothing', async () => {
      expect(db.countUsers()).toBe(0)
      const user = db.createUser({ username: 'duty', password: 'correct horse', role: 'duty_officer', region: '510700', displayName: '值班员' })
      expect(user).toEqual({ id: expect.any(String), username: 'duty', role: 'duty_officer', region: '510700', displayName: '值班员', disabled: false })
      expect(await db.verifyUser('duty', 'correct horse')).toEqual(user)
      expect(await db.verifyUser('duty', 'correct horsE')).toBeUndefined()
      expect(await db.verifyUser('nobody', 'correct horse')).toBeUndefined()
      expect(db.getUser(user.id)).toEqual(user)
      expect(db.getUser('nope')).toBeUndefined()
      expect(db.countUsers()).toBe(1)
    })

    test('duplicate usernames and bad regions are refused with codes', () => {
      db.createUser({ username: 'x', password: 'pw-123456', role: 'viewer', region: '000000', displayName: 'X' })
      expect(() => db.createUser({ username: 'x', password: 'pw-123456', role: 'viewer', region: '000000', displayName: 'X' })).toThrow(
        expect.objectContaining({ code: 'GH_ERR_USERNAME_TAKEN' })
      )
      expect(() => db.createUser({ username: 'y', password: 'pw-123456', role: 'viewer', region: '51', displayName: 'Y' })).toThrow(
        expect.objectContaining({ code: 'GH_ERR_BAD_USER' })
      )
    })
  })

  describe('account changes', () => {
    test('update role, region, name; a disabled account cannot log in, is left out of lists unless asked, and loses its sessions', async () => {
      const u = db.createUser({ username: 'duty', password: 'correct horse', role: 'duty_officer', region: '510722', displayName: '值班员' })
      expect(db.updateUser(u.id, { role: 'supervisor', region: '510700', displayName: '带班' })).toEqual({ ...u, role: 'supervisor', region: '510700', displayName: '带班' })
      db.createSession({ id: 's1', tokenHash: 'h1', userId: u.id, createdAt: 1, lastSeenAt: 1, expiresAt: 100 })
      expect(db.updateUser(u.id, { disabled: true })).toMatchObject({ disabled: true })
      expect(db.getSessionByTokenHash('h1')).toBeUndefined()
      expect(await db.verifyUser('duty', 'correct horse')).toBeUndefined()
      expect(db.listUsers({ scope: '510000' })).toEqual([])
      expect(db.listUsers({ scope: '510000', includeDisabled: true }).map((x) => x.username)).toEqual(['duty'])
      db.updateUser(u.id, { disabled: false })
      expect(await db.verifyUser('duty', 'correct horse')).toMatchObject({ username: 'duty', disabled: false })
      db.setPassword(u.id, 'a brand new password')
      expect(await db.verifyUser('duty', 'correct horse')).toBeUndefined()
      expect(await db.verifyUser('duty', 'a brand new password')).toMatchObject({ username: 'duty' })
      expect(() => db.updateUser('ghost', { role: 'viewer' })).toThrow(expect.objectContaining({ code: 'GH_ERR_UNKNOWN_USER' }))
      expect(() => db.setPassword('ghost', 'whatever-long')).toThrow(expect.objectContaining({ code: 'GH_ERR_UNKNOWN_USER' }))
      expect(() => db.updateUser(u.id, { region: '51' })).toThrow(expect.objectContaining({ code: 'GH_ERR_BAD_USER' }))
    })

    test('scope lists a region and everything below it', () => {
      for (const [username, region] of [['nation', '000000'], ['sichuan', '510000'], ['mianyang', '510700'], ['santai', '510722'], ['gansu', '620000']] as const) {
        db.createUser({ username, password: 'pw-1234567', role: 'admin', region, displayName: username })
      }
      expect(db.listUsers({ scope: '510000' }).map((u) => u.username)).toEqual(['mianyang', 'santai', 'sichuan'])
      expect(db.listUsers({ scope: '510700' }).map((u) => u.username)).toEqual(['mianyang', 'santai'])
      expect(db.listUsers({ scope: '000000' })).toHaveLength(5)
    })

    test('the last enabled national administrator can be neither disabled, demoted nor moved; with a second one they can', () => {
      const a = db.createUser({ username: 'a', password: 'pw-1234567', role: 'admin', region: '000000', displayName: 'A' })
      const prov = db.createUser({ username: 'p', password: 'pw-1234567', role: 'admin', region: '510000', displayName: 'P' })
      for (const patch of [{ disabled: true }, { role: 'supervisor' as const }, { region: '510000' }]) {
        expect(() => db.updateUser(a.id, patch)).toThrow(expect.objectContaining({ code: 'GH_ERR_LAST_ADMIN' }))
      }
      expect(db.getUser(a.id)).toEqual(a)
      // A provincial admin is not a national one: disabling them is fine.
      expect(db.updateUser(prov.id, { disabled: true }).disabled).toBe(true)
      const b = db.createUser({ username: 'b', password: 'pw-1234567', role: 'admin', region: '000000', displayName: 'B' })
      expect(db.updateUser(a.id, { disabled: true }).disabled).toBe(true)
      expect(() => db.updateUser(b.id, { role: 'viewer' })).toThrow(expect.objectContaining({ code: 'GH_ERR_LAST_ADMIN' }))
    })
  })

  describe('sessions', () => {
    test('create, find by token hash, touch, delete, per user, prune expired', () => {
      const u = db.createUser({ username: 'duty', password: 'pw-1234567', role: 'viewer', region: '510722', displayName: 'D' })
      const v = db.createUser({ username: 'other', password: 'pw-1234567', role: 'viewer', region: '510722', displayName: 'O' })
      db.createSession({ id: 's1', tokenHash: 'h1', userId: u.id, createdAt: 1, lastSeenAt: 1, expiresAt: 100 })
      db.createSession({ id: 's2', tokenHash: 'h2', userId: u.id, createdAt: 2, lastSeenAt: 2, expiresAt: 200 })
      db.createSession({ id: 's3', tokenHash: 'h3', userId: v.id, createdAt: 3, lastSeenAt: 3, expiresAt: 300 })
      db.touchSession('s1', 50)
      expect(db.getSessionByTokenHash('h1')).toEqual({ id: 's1', tokenHash: 'h1', userId: u.id, createdAt: 1, lastSeenAt: 50, expiresAt: 100 })
      expect(db.listUserSessionIds(u.id)).toEqual(['s1', 's2'])
      expect(db.pruneSessions(100)).toBe(1)
      expect(db.getSessionByTokenHash('h1')).toBeUndefined()
      expect(db.deleteUserSessions(u.id)).toEqual(['s2'])
      expect(db.countSessions()).toBe(1)
      db.deleteSession('s3')
      expect(db.countSessions()).toBe(0)
    })
  })

  describe('audit scope', () => {
    test('regions come from the entry or from its target; a scope sees its own and those below; filters and paging', () => {
      db.saveAlert(alert({ id: 'al-1', siteId: 's-anxian-1', county: '510722' }))
      const u = db.createUser({ username: 'gs', password: 'pw-1234567', role: 'viewer', region: '620000', displayName: 'G' })
      db.audit({ at: 10, actor: 'duty', action: 'alert.acknowledge', target: 'alert:al-1', detail: {} })
      db.audit({ at: 20, actor: 'svc:rules', action: 'maintenance.open', target: 'device:dev-b', detail: {} })
      db.audit({ at: 30, actor: 'admin', action: 'user.update', target: `user:${u.id}`, detail: {}, regions: ['620000', '510700'] })
      db.audit({ at: 40, actor: 'svc:rules', action: 'service.start', target: 'rules', detail: {} })
      const actions = (f: Parameters<PlatformDb['queryAudit']>[0]) => db.queryAudit(f).map((e) => e.action)
      expect(db.queryAudit({}).map((e) => [e.action, e.regions])).toEqual([
        ['service.start', []],
        ['user.update', ['510700', '620000']],
        ['maintenance.open', ['513401']],
        ['alert.acknowledge', ['510722']]
      ])
      expect(actions({ scope: '510000' })).toEqual(['user.update', 'maintenance.open', 'alert.acknowledge'])
      expect(actions({ scope: '510700' })).toEqual(['user.update', 'alert.acknowledge'])
      expect(actions({ scope: '510722' })).toEqual(['alert.acknowledge'])
      expect(actions({ scope: '620000' })).toEqual(['user.update'])
      expect(actions({ scope: '000000' })).toHaveLength(4)
      expect(actions({ from: 20, to: 40 })).toEqual(['user.update', 'maintenance.open'])
      expect(actions({ actor: 'svc:rules' })).toEqual(['service.start', 'maintenance.open'])
      expect(actions({ action: 'user.' })).toEqual(['user.update'])
      expect(actions({ action: 'user' })).toEqual([])
      const page1 = db.queryAudit({ limit: 2 })
      expect(page1.map((e) => e.at)).toEqual([40, 30])
      expect(db.queryAudit({ limit: 2, beforeSeq: page1[1]?.seq ?? 0 }).map((e) => e.at)).toEqual([20, 10])
    })
  })

  test('audit: newest first, detail round-trips, limit', () => {
    db.audit({ at: 1, actor: 'duty', action: 'alert.ack', target: 'a1', detail: { note: '已电话确认' } })
    db.audit({ at: 2, actor: 'admin', action: 'user.create', target: 'duty', detail: {} })
    expect(db.listAudit()).toEqual([
      { at: 2, actor: 'admin', action: 'user.create', target: 'duty', detail: {} },
      { at: 1, actor: 'duty', action: 'alert.ack', target: 'a1', detail: { note: '已电话确认' } }
    ])
    expect(db.listAudit(1)).toHaveLength(1)
  })
})

test('the database file never contains a plaintext device secret or password', async () => {
  const path = join(dir, 'nested', 'platform.db')
  const db = openPlatformDb(path)
  db.importRegistry(registry)
  db.setDeviceSecret('dev-b', 'second-plaintext-secret')
  db.createUser({ username: 'admin', password: 'plaintext-password-42', role: 'admin', region: '000000', displayName: 'Admin' })
  expect(await db.verifyUser('admin', 'plaintext-password-42')).toMatchObject({ username: 'admin' })
  db.close()
  const bytes = readdirSync(join(dir, 'nested'))
    .map((f) => readFileSync(join(dir, 'nested', f)).toString('latin1'))
    .join('')
  expect(bytes).toContain('s-anxian-1')
  for (const plaintext of [SECRET_A, 'second-plaintext-secret', 'plaintext-password-42']) expect(bytes).not.toContain(plaintext)

  const reopened = openPlatformDb(path)
  expect(reopened.verifyDeviceSecret('dev-a', SECRET_A)).toBe(true)
  expect(reopened.countUsers()).toBe(1)
  reopened.close()
})

test('a schema-1 file upgrades: users stay enabled, old audit entries get their regions', () => {
  const path = join(dir, 'v1', 'platform.db')
  const raw = openSqlite(path, { synchronous: 'FULL' })
  migrate(raw, PLATFORM_MIGRATIONS.slice(0, 1))
  raw.prepare("INSERT INTO sites (id, county, json) VALUES ('s1', '510722', '{}')").run()
  raw.prepare("INSERT INTO alerts (id, site_id, county, state, level, opened_at, updated_at, json) VALUES ('a1', 's1', '510722', 'open', 'red', 1, 1, '{}')").run()
  raw.prepare("INSERT INTO users (id, username, password_hash, role, region, display_name) VALUES ('u1', 'old', 'x', 'viewer', '620000', 'Old')").run()
  raw.prepare("INSERT INTO audit (at, actor, action, target, detail) VALUES (1, 'old', 'alert.acknowledge', 'alert:a1', '{}'), (2, 'old', 'login', 'session:x', '{}')").run()
  raw.close()
  const db = openPlatformDb(path)
  expect(db.getUser('u1')).toMatchObject({ username: 'old', disabled: false })
  expect(db.queryAudit({}).map((e) => [e.action, e.regions])).toEqual([
    ['login', ['620000']],
    ['alert.acknowledge', ['510722']]
  ])
  db.close()
})
