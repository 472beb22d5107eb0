import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { io as connectSocket, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, test } from 'vitest'
import { buildDashboard, type DashboardHandle } from '../../dashboard/app.js'
import { parseConfig, type DashboardConfigInput } from '../../dashboard/config.js'
import type { ClientToServerEvents, ServerToClientEvents } from '../../domain/index.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { startBareBroker } from '../support/bare-broker.js'
import { PASSWORD, REGISTRY, USERS, type UserKey } from './fixture.js'

type Client = Socket<ServerToClientEvents, ClientToServerEvents>

/** Undo steps of the current test, run last-in first-out. */
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/**
 * `count` dashboards sharing one platform DB file (as several instances do in production), one
 * real Aedes, the real clock.
 */
async function startDashboards(count: number, config: Partial<DashboardConfigInput>): Promise<DashboardHandle[]> {
  const dir = mkdtempSync(join(tmpdir(), 'geowarn-socket-session-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const broker = await startBareBroker()
  cleanups.push(() => broker.close())
  const seed = openPlatformDb(join(dir, 'platform.db'))
  seed.importRegistry(REGISTRY)
  for (const u of Object.values(USERS)) seed.createUser({ ...u, password: PASSWORD })
  seed.close()
  const dashboards: DashboardHandle[] = []
  for (let i = 0; i < count; i++) {
    const db = openPlatformDb(join(dir, 'platform.db'))
    const readings = openSqliteReadingsStore(':memory:')
    const dashboard = await buildDashboard(
      parseConfig({ httpHost: '127.0.0.1', httpPort: 0, mqttUrl: broker.url, webRoot: '/nonexistent-geowarn-web', ...config }),
      { db, readings, log: pino({ level: process.env.GEOWARN_TEST_LOG ?? 'silent' }) }
    )
    cleanups.push(async () => {
      await dashboard.close()
      await readings.close()
      db.close()
    })
    dashboards.push(dashboard)
  }
  return dashboards
}

async function loginOn(d: DashboardHandle, user: UserKey): Promise<string> {
  const res = await d.fastify.inject({ method: 'POST', url: '/api/login', payload: { username: USERS[user].username, password: PASSWORD } })
  expect(res.statusCode).toBe(200)
  return (res.json() as { token: string }).token
}

async function connect(d: DashboardHandle, token: string): Promise<Client> {
  const s: Client = connectSocket(d.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } })
  cleanups.push(() => void s.disconnect())
  await new Promise<void>((resolve, reject) => {
    s.once('session', () => resolve())
    s.once('connect_error', reject)
  })
  return s
}

/** Resolves with the disconnect reason and how long after the call it came. */
function disconnected(s: Client): Promise<{ reason: string; afterMs: number }> {
  const start = Date.now()
  return new Promise((resolve) => s.once('disconnect', (reason) => resolve({ reason, afterMs: Date.now() - start })))
}

/** The reason a fresh handshake with this token is refused, or 'connected'. */
async function handshake(d: DashboardHandle, token: string): Promise<string> {
  const s: Client = connectSocket(d.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } })
  cleanups.push(() => void s.disconnect())
  return new Promise((resolve) => {
    s.once('session', () => resolve('connected'))
    s.once('connect_error', (err) => resolve(err.message))
  })
}

async function userId(d: DashboardHandle, adminToken: string, username: string): Promise<string> {
  const res = await d.fastify.inject({ method: 'GET', url: '/api/users', headers: { authorization: `Bearer ${adminToken}` } })
  const found = (res.json() as { users: Array<{ id: string; username: string }> }).users.find((u) => u.username === username)
  if (found === undefined) throw new Error(`no user ${username}`)
  return found.id
}

describe('a live socket ends with its session', () => {
  test('the server disconnects a socket when its session expires, and the token opens no new one', async () => {
    // The re-check is long here: only the expiry timer can end the socket in time.
    const [d] = await startDashboards(1, { sessionTtlMs: 1_500, socketRecheckMs: 60_000 })
    const token = await loginOn(d!, 'officerA')
    const s = await connect(d!, token)
    const gone = await disconnected(s)
    expect(gone.reason).toBe('io server disconnect')
    expect(gone.afterMs).toBeLessThan(1_500 + 500)
    expect(await handshake(d!, token)).toBe('GH_ERR_UNAUTHORIZED')
  })

  test('disabling a user on dashboard A disconnects their socket on dashboard B within the re-check period', async () => {
    const recheckMs = 300
    const [a, b] = await startDashboards(2, { socketRecheckMs: recheckMs })
    const officerToken = await loginOn(b!, 'officerA')
    const s = await connect(b!, officerToken)
    const nationToken = await loginOn(a!, 'nation')
    const id = await userId(a!, nationToken, USERS.officerA.username)
    const gone = disconnected(s)
    const res = await a!.fastify.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: { authorization: `Bearer ${nationToken}` }, payload: { disabled: true } })
    expect(res.statusCode).toBe(200)
    const { reason, afterMs } = await gone
    expect(reason).toBe('io server disconnect')
    expect(afterMs).toBeLessThan(recheckMs + 500)
    expect(await handshake(b!, officerToken)).toBe('GH_ERR_UNAUTHORIZED')
  })

  test('re-scoping a user on dashboard A disconnects their socket on B; the reconnect joins the new scope', async () => {
    const recheckMs = 300
    const [a, b] = await startDashboards(2, { socketRecheckMs: recheckMs })
    const hunanToken = await loginOn(b!, 'hunan')
    const s = await connect(b!, hunanToken)
    const nationToken = await loginOn(a!, 'nation')
    const id = await userId(a!, nationToken, USERS.hunan.username)
    const gone = disconnected(s)
    // Narrowed from the province to county A: the old socket would still get all of Hunan.
    const res = await a!.fastify.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: { authorization: `Bearer ${nationToken}` }, payload: { region: USERS.officerA.region } })
    expect(res.statusCode).toBe(200)
    expect((await gone).reason).toBe('io server disconnect')
    // The session itself lives on: a new socket gets the new scope.
    const again: Client = connectSocket(b!.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: hunanToken } })
    cleanups.push(() => void again.disconnect())
    const session = await new Promise<{ region: string }>((resolve, reject) => {
      again.once('session', resolve)
      again.once('connect_error', reject)
    })
    expect(session.region).toBe(USERS.officerA.region)
  })

  test('a socket whose session and account are unchanged stays connected across re-checks', async () => {
    const [d] = await startDashboards(1, { socketRecheckMs: 100 })
    const s = await connect(d!, await loginOn(d!, 'officerA'))
    await new Promise((r) => setTimeout(r, 450))
    expect(s.connected).toBe(true)
  })
})
