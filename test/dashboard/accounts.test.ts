import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { io as connectSocket, type Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import type { ClientToServerEvents, ServerToClientEvents } from '../../domain/index.js'
import { buildDashboard } from '../../dashboard/app.js'
import { parseConfig } from '../../dashboard/config.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { startBareBroker } from '../support/bare-broker.js'
import { COUNTY_A, COUNTY_B, makeAlert, PASSWORD, REGISTRY, startHarness, T0, type Harness } from './fixture.js'

type Client = Socket<ServerToClientEvents, ClientToServerEvents>

let h: Harness
const opened: Client[] = []

/** Administrators of two provinces, besides the fixture's national one. */
const ADMINS = {
  hunanAdmin: { username: 'hunan-admin', role: 'admin', region: '430000', displayName: '湖南省管理员' },
  sichuanAdmin: { username: 'sichuan-admin', role: 'admin', region: '510000', displayName: '四川省管理员' }
} as const

beforeAll(async () => {
  h = await startHarness()
  for (const a of Object.values(ADMINS)) h.db.createUser({ ...a, password: PASSWORD })
})
afterEach(() => {
  for (const s of opened.splice(0)) s.disconnect()
})
afterAll(async () => {
  await h.close()
})

async function loginAs(username: string, password = PASSWORD): Promise<string> {
  const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`)
  return (res.json() as { token: string }).token
}
function call(token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return h.dashboard.fastify.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }) })
}
function idOf(username: string): string {
  const u = h.db.getUserByUsername(username)
  if (u === undefined) throw new Error(`no user ${username}`)
  return u.id
}

/** A socket of the token, resolved with the session the server announced (rooms joined by then). */
async function socketOf(token: string): Promise<{ socket: Client; region: string }> {
  const s: Client = connectSocket(h.dashboard.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } })
  opened.push(s)
  const info = await new Promise<{ region: string }>((resolve, reject) => {
    s.once('session', resolve)
    s.once('connect_error', reject)
  })
  return { socket: s, region: info.region }
}
function disconnected(s: Client): Promise<string> {
  return new Promise((resolve) => s.once('disconnect', (reason) => resolve(reason)))
}

describe('account management', () => {
  test('a provincial admin lists the accounts of their province only, disabled ones included', async () => {
    const token = await loginAs('hunan-admin')
    const res = await call(token, 'GET', '/api/users')
    expect(res.statusCode).toBe(200)
    const users = (res.json() as { users: Array<{ username: string; region: string; regionName: string; disabled: boolean }> }).users
    expect(users.map((u) => u.username)).toEqual(['hunan', 'hunan-admin', 'officer-a', 'viewer-a'])
    expect(users.find((u) => u.username === 'officer-a')).toMatchObject({ region: COUNTY_A, regionName: '江华瑶族自治县', disabled: false })
    expect(res.body).not.toContain('password')
  })

  test('create an account in the jurisdiction; it logs in; the audit says who made it', async () => {
    const token = await loginAs('hunan-admin')
    const res = await call(token, 'POST', '/api/users', { username: 'new-a', displayName: '新值班员', role: 'duty_officer', region: COUNTY_A, password: 'a long enough one' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user: { username: 'new-a', role: 'duty_officer', region: COUNTY_A, disabled: false } })
    const me = await call(await loginAs('new-a', 'a long enough one'), 'GET', '/api/me')
    expect(me.json()).toMatchObject({ user: { username: 'new-a', region: COUNTY_A } })
    const audit = (await call(token, 'GET', '/api/audit?action=user.create')).json() as { entries: Array<Record<string, unknown>> }
    expect(audit.entries[0]).toMatchObject({ actor: 'hunan-admin', action: 'user.create', target: `user:${idOf('new-a')}`, detail: { username: 'new-a', after: { role: 'duty_officer', region: COUNTY_A } } })
  })

  test.each([
    ['a region outside the jurisdiction', { username: 'x1', region: COUNTY_B }, 403, 'GH_ERR_REGION_OUT_OF_SCOPE'],
    ['the nation', { username: 'x2', region: '000000' }, 403, 'GH_ERR_REGION_OUT_OF_SCOPE'],
    ['a region code not in GB/T 2260', { username: 'x3', region: '439999' }, 400, 'GH_ERR_BAD_REQUEST'],
    ['a taken username', { username: 'officer-a' }, 409, 'GH_ERR_USERNAME_TAKEN'],
    ['a short password', { username: 'x4', password: 'short' }, 400, 'GH_ERR_WEAK_PASSWORD'],
    ['an unknown role', { username: 'x5', role: 'king' }, 400, 'GH_ERR_BAD_REQUEST'],
    ['a username with a space', { username: 'x 6' }, 400, 'GH_ERR_BAD_REQUEST']
  ])('creating with %s is refused with its code', async (_what, over, status, code) => {
    const token = await loginAs('hunan-admin')
    const res = await call(token, 'POST', '/api/users', { displayName: 'X', role: 'viewer', region: COUNTY_A, password: 'a long enough one', ...over })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ code })
  })

  test('an admin of another province can neither see nor touch the accounts here: they answer as unknown', async () => {
    const token = await loginAs('sichuan-admin')
    const list = (await call(token, 'GET', '/api/users')).json() as { users: Array<{ username: string }> }
    expect(list.users.map((u) => u.username)).toEqual(['officer-b', 'sichuan-admin'])
    const target = idOf('officer-a')
    for (const [method, url, payload] of [
      ['PATCH', `/api/users/${target}`, { role: 'viewer' }],
      ['PATCH', `/api/users/${target}`, { disabled: true }],
      ['POST', `/api/users/${target}/password`, { password: 'taken over now' }]
    ] as const) {
      const res = await call(token, method, url, payload)
      expect(res.statusCode).toBe(404)
      expect(res.json()).toEqual({ code: 'GH_ERR_UNKNOWN_USER', message: `unknown user ${target}` })
    }
    expect((await call(token, 'PATCH', '/api/users/no-such-id', { role: 'viewer' })).json()).toEqual({ code: 'GH_ERR_UNKNOWN_USER', message: 'unknown user no-such-id' })
    expect(h.db.getUser(target)).toMatchObject({ role: 'duty_officer', disabled: false })
    // Nor move one of their own into Hunan.
    const move = await call(token, 'PATCH', `/api/users/${idOf('officer-b')}`, { region: COUNTY_A })
    expect(move.statusCode).toBe(403)
    expect(move.json()).toMatchObject({ code: 'GH_ERR_REGION_OUT_OF_SCOPE' })
  })

  test('nobody can disable, demote or move the last enabled national admin: not even themselves', async () => {
    const token = await loginAs('nation')
    for (const patch of [{ disabled: true }, { role: 'supervisor' }, { region: '430000' }]) {
      const res = await call(token, 'PATCH', `/api/users/${idOf('nation')}`, patch)
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ code: 'GH_ERR_FORBIDDEN' })
    }
    expect(h.db.getUser(idOf('nation'))).toMatchObject({ role: 'admin', region: '000000', disabled: false })
    // The store's own guard stays, for the CLI and anything else that writes accounts.
    expect(() => h.db.updateUser(idOf('nation'), { disabled: true })).toThrow(/GH_ERR_LAST_ADMIN|last/i)
    expect((await call(token, 'GET', '/api/me')).statusCode).toBe(200)
  })

  test('an administrator cannot take over a peer administrator of the same region, nor make one', async () => {
    h.db.createUser({ username: 'hunan-admin-2', password: PASSWORD, role: 'admin', region: '430000', displayName: '湖南省管理员二' })
    const token = await loginAs('hunan-admin')
    const peer = idOf('hunan-admin-2')
    for (const [method, url, payload] of [
      ['PATCH', `/api/users/${peer}`, { disabled: true }],
      ['PATCH', `/api/users/${peer}`, { role: 'viewer' }],
      ['PATCH', `/api/users/${peer}`, { region: COUNTY_A }],
      ['PATCH', `/api/users/${peer}`, { displayName: '被改名' }],
      ['POST', `/api/users/${peer}/password`, { password: 'taken over now' }],
      // Making a peer: promoting the province's duty officer, or creating an admin at the province.
      ['PATCH', `/api/users/${idOf('hunan')}`, { role: 'admin' }],
      ['POST', '/api/users', { username: 'new-peer', displayName: 'X', role: 'admin', region: '430000', password: 'a long enough one' }]
    ] as const) {
      const res = await call(token, method, url, payload)
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(403)
      expect(res.json()).toMatchObject({ code: 'GH_ERR_FORBIDDEN' })
    }
    expect(h.db.getUser(peer)).toMatchObject({ role: 'admin', region: '430000', disabled: false, displayName: '湖南省管理员二' })
    expect(h.db.getUserByUsername('hunan')).toMatchObject({ role: 'duty_officer' })
    expect(h.db.getUserByUsername('new-peer')).toBeUndefined()
    expect(await loginAs('hunan-admin-2')).not.toBe('')

    // National admins are peers too: one cannot reset another.
    h.db.createUser({ username: 'nation-2', password: PASSWORD, role: 'admin', region: '000000', displayName: '部管理员二' })
    const nation = await loginAs('nation')
    expect((await call(nation, 'POST', `/api/users/${idOf('nation-2')}/password`, { password: 'taken over now' })).statusCode).toBe(403)
    expect((await call(nation, 'PATCH', `/api/users/${idOf('nation-2')}`, { disabled: true })).statusCode).toBe(403)

    // Strictly below is fine: the nation manages the province's admins, the province a county admin it makes.
    expect((await call(nation, 'PATCH', `/api/users/${peer}`, { displayName: '改名了' })).statusCode).toBe(200)
    const county = await call(token, 'POST', '/api/users', { username: 'county-admin-a', displayName: '县管理员', role: 'admin', region: COUNTY_A, password: 'a long enough one' })
    expect(county.statusCode).toBe(200)
    expect((await call(token, 'POST', `/api/users/${idOf('county-admin-a')}/password`, { password: 'another long one' })).statusCode).toBe(200)
    // …and non-admins at the admin's own level.
    expect((await call(token, 'PATCH', `/api/users/${idOf('hunan')}`, { displayName: '湖南省值班员' })).statusCode).toBe(200)
  })

  test('about themselves an administrator changes only the display name; the password only with the current one', async () => {
    h.db.createUser({ username: 'self-admin', password: PASSWORD, role: 'admin', region: '431100', displayName: '永州管理员' })
    const token = await loginAs('self-admin')
    const other = await loginAs('self-admin')
    const self = idOf('self-admin')
    for (const patch of [{ role: 'supervisor' }, { region: '430000' }, { disabled: true }]) {
      const res = await call(token, 'PATCH', `/api/users/${self}`, patch)
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ code: 'GH_ERR_FORBIDDEN' })
    }
    // A client sending the whole form with its own unchanged values is not refused.
    expect((await call(token, 'PATCH', `/api/users/${self}`, { displayName: '永州市管理员', role: 'admin', region: '431100' })).json()).toMatchObject({ user: { displayName: '永州市管理员' } })
    // The admin route would reset it without the current password: a stolen session must not.
    const reset = await call(token, 'POST', `/api/users/${self}/password`, { password: 'a stolen session' })
    expect(reset.statusCode).toBe(403)
    expect(reset.json()).toMatchObject({ code: 'GH_ERR_FORBIDDEN' })

    const wrong = await call(token, 'POST', '/api/me/password', { current: 'not the password', next: 'a stolen session' })
    expect(wrong.statusCode).toBe(403)
    expect(wrong.json()).toMatchObject({ code: 'GH_ERR_BAD_CREDENTIALS' })
    const weak = await call(token, 'POST', '/api/me/password', { current: PASSWORD, next: 'tiny' })
    expect(weak.json()).toMatchObject({ code: 'GH_ERR_WEAK_PASSWORD' })
    const ok = await call(token, 'POST', '/api/me/password', { current: PASSWORD, next: 'my own new password' })
    expect(ok.json()).toEqual({ ok: true })
    // This session goes on; the other one ended; the new password logs in, the old one no more.
    expect((await call(token, 'GET', '/api/me')).statusCode).toBe(200)
    expect((await call(other, 'GET', '/api/me')).statusCode).toBe(401)
    await expect(loginAs('self-admin')).rejects.toThrow('401')
    expect(await loginAs('self-admin', 'my own new password')).not.toBe('')
    const entry = ((await call(token, 'GET', '/api/audit?action=user.password.self')).json() as { entries: Array<Record<string, unknown>> }).entries[0]
    expect(entry).toMatchObject({ actor: 'self-admin', action: 'user.password.self', target: `user:${self}`, detail: { username: 'self-admin', sessionsEnded: 1 } })
    expect(JSON.stringify(entry)).not.toContain('my own new password')
  })

  test('a non-admin changes their own password with the current one; guessing it is rate-limited', async () => {
    h.db.createUser({ username: 'self-viewer', password: PASSWORD, role: 'viewer', region: COUNTY_A, displayName: '丁' })
    const token = await loginAs('self-viewer')
    for (let i = 0; i < 10; i++) expect((await call(token, 'POST', '/api/me/password', { current: `guess ${i}`, next: 'a stolen session' })).statusCode).toBe(403)
    const limited = await call(token, 'POST', '/api/me/password', { current: PASSWORD, next: 'a stolen session' })
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ code: 'GH_ERR_RATE_LIMITED' })
    expect(await loginAs('self-viewer')).not.toBe('')
  })

  test('disabling ends the REST session and the live socket at once; the reconnect is refused; enabling lets them log in again', async () => {
    h.db.createUser({ username: 'to-disable', password: PASSWORD, role: 'duty_officer', region: COUNTY_A, displayName: '甲' })
    const victim = await loginAs('to-disable')
    const { socket } = await socketOf(victim)
    const gone = disconnected(socket)
    const admin = await loginAs('hunan-admin')
    const res = await call(admin, 'PATCH', `/api/users/${idOf('to-disable')}`, { disabled: true })
    expect(res.json()).toMatchObject({ user: { disabled: true } })
    expect(await gone).toBe('io server disconnect')
    const me = await call(victim, 'GET', '/api/me')
    expect(me.statusCode).toBe(401)
    await expect(socketOf(victim)).rejects.toThrow('GH_ERR_UNAUTHORIZED')
    const relogin = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', payload: { username: 'to-disable', password: PASSWORD } })
    expect(relogin.json()).toMatchObject({ code: 'GH_ERR_BAD_CREDENTIALS' })

    const audit = (await call(admin, 'GET', '/api/audit?action=user.disable')).json() as { entries: Array<Record<string, unknown>> }
    expect(audit.entries[0]).toMatchObject({ actor: 'hunan-admin', detail: { username: 'to-disable', before: { disabled: false }, after: { disabled: true }, sessionsEnded: 1 } })

    expect((await call(admin, 'PATCH', `/api/users/${idOf('to-disable')}`, { disabled: false })).statusCode).toBe(200)
    expect((await call(await loginAs('to-disable'), 'GET', '/api/me')).statusCode).toBe(200)
  })

  test('a change of region reconnects the live socket into the new scope; REST follows at once', async () => {
    h.db.createUser({ username: 'to-move', password: PASSWORD, role: 'duty_officer', region: COUNTY_A, displayName: '乙' })
    const token = await loginAs('to-move')
    const { socket, region } = await socketOf(token)
    expect(region).toBe(COUNTY_A)
    const gone = disconnected(socket)
    const admin = await loginAs('nation')
    expect((await call(admin, 'PATCH', `/api/users/${idOf('to-move')}`, { region: COUNTY_B, role: 'supervisor' })).statusCode).toBe(200)
    expect(await gone).toBe('io server disconnect')
    expect((await socketOf(token)).region).toBe(COUNTY_B)
    const sites = (await call(token, 'GET', '/api/sites')).json() as { sites: Array<{ id: string }> }
    expect(sites.sites.map((s) => s.id)).toEqual(['site-b'])
    const entry = ((await call(admin, 'GET', '/api/audit?action=user.update')).json() as { entries: Array<Record<string, unknown>> }).entries[0]
    expect(entry).toMatchObject({ detail: { before: { region: COUNTY_A, role: 'duty_officer' }, after: { region: COUNTY_B, role: 'supervisor' } } })
    expect((entry?.regions as string[]).sort()).toEqual([COUNTY_A, COUNTY_B])
  })

  test('a password reset ends the old sessions; the new password works, the old one does not', async () => {
    h.db.createUser({ username: 'to-reset', password: PASSWORD, role: 'viewer', region: COUNTY_A, displayName: '丙' })
    const old = await loginAs('to-reset')
    const admin = await loginAs('hunan-admin')
    const res = await call(admin, 'POST', `/api/users/${idOf('to-reset')}/password`, { password: 'the new password' })
    expect(res.json()).toEqual({ ok: true })
    expect((await call(old, 'GET', '/api/me')).statusCode).toBe(401)
    await expect(loginAs('to-reset')).rejects.toThrow('401')
    expect((await call(await loginAs('to-reset', 'the new password'), 'GET', '/api/me')).statusCode).toBe(200)
    const short = await call(admin, 'POST', `/api/users/${idOf('to-reset')}/password`, { password: 'tiny' })
    expect(short.json()).toMatchObject({ code: 'GH_ERR_WEAK_PASSWORD' })
    const audit = (await call(admin, 'GET', '/api/audit?action=user.password')).json() as { entries: Array<Record<string, unknown>> }
    expect(audit.entries[0]).toMatchObject({ actor: 'hunan-admin', detail: { username: 'to-reset', sessionsEnded: 1 } })
    expect(JSON.stringify(audit)).not.toContain('the new password')
  })
})

describe('audit log', () => {
  test('alert actions carry before and after; each provincial admin sees their own province; filters and paging', async () => {
    h.db.saveAlert(makeAlert('aud-a', 'site-a'))
    h.db.saveAlert(makeAlert('aud-b', 'site-b'))
    const nation = await loginAs('nation')
    expect((await call(nation, 'POST', '/api/alerts/aud-a/ack', { note: '已叫应' })).statusCode).toBe(200)
    expect((await call(nation, 'POST', '/api/alerts/aud-b/resolve', { disposition: 'false_alarm' })).statusCode).toBe(200)

    // One login per user: a login is an audit entry too, and paging must see a still log.
    const tokens = new Map<string, string>([['nation', nation]])
    const entriesOf = async (user: string, query: string) =>
      ((await call(tokens.get(user) ?? tokens.set(user, await loginAs(user)).get(user) ?? '', 'GET', `/api/audit${query}`)).json() as { entries: Array<{ target: string; action: string; detail: Record<string, unknown> }>; nextBefore: number | null })
    const hunan = await entriesOf('hunan-admin', '?action=alert.')
    expect(hunan.entries.map((e) => e.target)).toContain('alert:aud-a')
    expect(hunan.entries.map((e) => e.target)).not.toContain('alert:aud-b')
    expect(hunan.entries.find((e) => e.target === 'alert:aud-a')).toMatchObject({
      action: 'alert.acknowledge',
      detail: { note: '已叫应', before: { state: 'open' }, after: { state: 'acknowledged' } }
    })
    const sichuan = await entriesOf('sichuan-admin', '?action=alert.')
    expect(sichuan.entries.map((e) => e.target)).toEqual(['alert:aud-b'])
    expect(sichuan.entries[0]).toMatchObject({ detail: { disposition: 'false_alarm', before: { state: 'open' }, after: { state: 'resolved', disposition: 'false_alarm' } } })
    // Logins are about the region of whoever logged in.
    expect((await entriesOf('sichuan-admin', '?action=login')).entries.every((e) => e.action === 'login')).toBe(true)
    expect(JSON.stringify(await entriesOf('sichuan-admin', '?limit=500'))).not.toMatch(/officer-a|hunan-admin|aud-a/)

    const all = await entriesOf('nation', '?actor=nation&limit=500')
    const page1 = await entriesOf('nation', '?actor=nation&limit=2')
    expect(page1.nextBefore).toBeTypeOf('number')
    const page2 = await entriesOf('nation', `?actor=nation&limit=2&before=${page1.nextBefore}`)
    expect([...page1.entries, ...page2.entries]).toEqual(all.entries.slice(0, 4))
    const future = await entriesOf('nation', `?from=${T0 + 10_000_000}`)
    expect(future).toEqual({ entries: [], nextBefore: null })
    const bad = await call(nation, 'GET', `/api/audit?from=${T0}&to=${T0}`)
    expect(bad.json()).toMatchObject({ code: 'GH_ERR_BAD_REQUEST' })
  })
})

describe('sessions in the platform DB', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'geowarn-sessions-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** A dashboard on the platform DB file, with a clock the test sets. */
  async function start(path: string, clock: { t: number }) {
    const broker = await startBareBroker()
    const db = openPlatformDb(path)
    const readings = openSqliteReadingsStore(':memory:')
    const dashboard = await buildDashboard(
      parseConfig({ httpHost: '127.0.0.1', httpPort: 0, mqttUrl: broker.url, webRoot: '/nonexistent-geowarn-web', sessionTtlMs: 3_600_000 }),
      { db, readings, log: pino({ level: process.env.GEOWARN_TEST_LOG ?? 'silent' }), now: () => clock.t }
    )
    return {
      db,
      inject: dashboard.fastify.inject.bind(dashboard.fastify),
      close: async () => {
        await dashboard.close()
        await readings.close()
        db.close()
        await broker.close()
      }
    }
  }

  test('a session survives a dashboard rebuilt on the same DB file; logout and expiry end it; the file holds no token', async () => {
    const path = join(dir, 'platform.db')
    const clock = { t: T0 }
    const first = await start(path, clock)
    first.db.importRegistry(REGISTRY)
    first.db.createUser({ username: 'duty', password: PASSWORD, role: 'duty_officer', region: COUNTY_A, displayName: '值班' })
    const login = async (d: typeof first) => ((await d.inject({ method: 'POST', url: '/api/login', payload: { username: 'duty', password: PASSWORD } })).json() as { token: string }).token
    const me = async (d: typeof first, token: string) => (await d.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode
    const kept = await login(first)
    const loggedOut = await login(first)
    const expiring = await login(first)
    expect(first.db.countSessions()).toBe(3)
    await first.close()

    const second = await start(path, clock)
    expect(await me(second, kept)).toBe(200)
    expect((await second.inject({ method: 'POST', url: '/api/logout', headers: { authorization: `Bearer ${loggedOut}` } })).statusCode).toBe(200)
    expect(await me(second, loggedOut)).toBe(401)
    await second.close()

    const { readFileSync, readdirSync } = await import('node:fs')
    const bytes = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('')
    for (const token of [kept, expiring]) expect(bytes).not.toContain(token)

    // Fixed lifetime from login: an hour later every one of them is gone, and pruned at start.
    clock.t = T0 + 3_600_000
    const third = await start(path, clock)
    expect(third.db.countSessions()).toBe(0)
    expect(await me(third, kept)).toBe(401)
    expect(await me(third, expiring)).toBe(401)
    await third.close()
  })
})
