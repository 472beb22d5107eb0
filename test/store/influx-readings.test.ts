import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startInfluxd, type InfluxdServer } from '../../cli/influxd-server.js'
import type { Reading } from '../../domain/index.js'
import { loadInfluxConfig } from '../../store/influx-config.js'
import { quoteIdent, quoteString } from '../../store/influx-ql.js'
import { openInfluxReadingsStore } from '../../store/influx-readings-store.js'
import { CHUNK_LINES } from '../../store/influx-write.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { PointsRejectedError } from '../../store/store-error.js'
import { haveInfluxd, requireInfluxd } from '../support/influxd.js'
import { readingsStoreContract } from './readings-contract.js'

const t0 = Date.UTC(2026, 0, 1)
const MIN = 60_000
const HOUR = 60 * MIN

function reading(siteId: string, over: Partial<Reading> = {}): Reading {
  return { deviceId: 'dev-1', sensorId: 'L1_LF_1', type: 'crack', siteId, county: '510722', ts: t0, fields: { openingMm: 1 }, ...over }
}

const uniqueSite = (): string => `site-${randomBytes(4).toString('hex')}`

/** Log lines as objects, for asserting on what the store tells the operator. */
function capturedLog(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>)
      done()
    }
  })
  return { log: pino({ level: 'debug' }, sink), lines }
}

describe('InfluxQL quoting', () => {
  test.each([
    ['plain', `'plain'`],
    [`it's`, `'it\\'s'`],
    [`a\\'b`, `'a\\\\\\'b'`],
    [`x' OR "site" != '`, `'x\\' OR "site" != \\''`],
    ['line\nbreak', `'line\\nbreak'`],
    ['trailing\\', `'trailing\\\\'`]
  ])('string literal %j', (raw, quoted) => {
    expect(quoteString(raw)).toBe(quoted)
  })

  test.each([
    ['geowarn', '"geowarn"'],
    ['we"ird', '"we\\"ird"'],
    ['back\\slash', '"back\\\\slash"']
  ])('identifier %j', (raw, quoted) => {
    expect(quoteIdent(raw)).toBe(quoted)
  })
})

/** A plain HTTP server that records each request (gunzipped) and answers with `reply`. */
async function recordingServer(reply: (req: IncomingMessage, body: string) => { status: number; body?: string }) {
  const requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = []
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const r = reply(req, body)
      res.writeHead(r.status, { 'content-type': 'application/json' })
      res.end(r.body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe('what the store sends (a recording HTTP server)', () => {
  test('api v1: the WriteApi batch goes to /write with db, rp and ms precision, user:password as basic auth', async () => {
    const server = await recordingServer(() => ({ status: 204 }))
    const store = openInfluxReadingsStore(
      loadInfluxConfig({ GEOWARN_INFLUX_URL: server.url, GEOWARN_INFLUX_API: 'v1', GEOWARN_INFLUX_BUCKET: 'geo warn/raw', GEOWARN_INFLUX_TOKEN: 'writer:s3cret', GEOWARN_INFLUX_CREATE: 'false' })
    )
    await store.write([reading('s1', { fields: { openingMm: 1.5 }, seq: 7 })])
    await store.close()
    await server.close()
    expect(server.requests).toHaveLength(1)
    const [req] = server.requests
    expect(req?.method).toBe('POST')
    expect(req?.url).toBe('/write?db=geo+warn&rp=raw&precision=ms')
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('writer:s3cret').toString('base64')}`)
    expect(req?.body).toBe(`reading,device=dev-1,region=510722,sensor=L1_LF_1,site=s1,type=crack openingMm=1.5,seq=7i ${t0}`)
  })

  test('api v2: /api/v2/write with org and bucket, a token, gzip above 1 kB unless turned off', async () => {
    for (const gzip of ['true', 'false']) {
      const server = await recordingServer((req) => (req.url?.startsWith('/api/v2/buckets') === true ? { status: 404, body: '{}' } : { status: 204 }))
      const store = openInfluxReadingsStore(
        loadInfluxConfig({ GEOWARN_INFLUX_URL: server.url, GEOWARN_INFLUX_TOKEN: 'tok', GEOWARN_INFLUX_ORG: 'gov', GEOWARN_INFLUX_BUCKET: 'readings', GEOWARN_INFLUX_GZIP: gzip })
      )
      await store.write(Array.from({ length: 20 }, (_, i) => reading('s1', { ts: t0 + i })))
      await store.close()
      await server.close()
      const write = server.requests.find((r) => r.url.startsWith('/api/v2/write'))
      expect(write?.url).toBe('/api/v2/write?org=gov&bucket=readings&precision=ms')
      expect(write?.headers.authorization).toBe('Token tok')
      expect(write?.headers['content-encoding']).toBe(gzip === 'true' ? 'gzip' : undefined)
      expect(write?.body.split('\n')).toHaveLength(20)
    }
  })

  test('a refusal that names the request, not the points, fails the whole write: nothing is dropped as "bad"', async () => {
    const server = await recordingServer(() => ({ status: 400, body: JSON.stringify({ error: 'database is required' }) }))
    const store = openInfluxReadingsStore(loadInfluxConfig({ GEOWARN_INFLUX_URL: server.url, GEOWARN_INFLUX_API: 'v1', GEOWARN_INFLUX_CREATE: 'false' }))
    const err = await store.write([reading('s1'), reading('s1', { ts: t0 + 1 })]).then(
      () => undefined,
      (e: unknown) => e
    )
    await store.close()
    await server.close()
    expect(err).not.toBeInstanceOf(PointsRejectedError)
    expect(String(err)).toMatch(/InfluxDB write failed: HTTP 400: database is required/)
    expect(server.requests).toHaveLength(1)
  })

  test('a server that accepts the connection and never answers: write() and queries reject within the timeout', async () => {
    const sockets = new Set<Socket>()
    const silent = createTcpServer((s) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    })
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    const store = openInfluxReadingsStore(loadInfluxConfig({ GEOWARN_INFLUX_URL: url, GEOWARN_INFLUX_API: 'v1', GEOWARN_INFLUX_CREATE: 'false', GEOWARN_INFLUX_TIMEOUT_MS: '300' }))
    const started = Date.now()
    await expect(store.write([reading('s1')])).rejects.toThrow(/InfluxDB write failed: no answer within 300 ms/)
    expect(Date.now() - started).toBeLessThan(3_000)
    await expect(store.latest('s1')).rejects.toThrow(/no answer within 300 ms/)
    expect(await store.ping()).toBe(false)
    await store.close()
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })
})

requireInfluxd('influx readings store')

describe.skipIf(!haveInfluxd)('InfluxDB readings store against influxd 1.6 (api v1)', () => {
  let server: InfluxdServer
  beforeAll(async () => {
    server = await startInfluxd()
  })
  afterAll(async () => {
    await server?.close()
  })

  const env = (over: Record<string, string> = {}): Record<string, string> => ({
    GEOWARN_INFLUX_URL: server.url,
    GEOWARN_INFLUX_API: 'v1',
    // Kept for ever: the contract's 2026 readings must not fall out of a retention as the clock moves on.
    GEOWARN_INFLUX_BUCKET: 'geowarn/forever',
    GEOWARN_READINGS_RETENTION: 'inf',
    ...over
  })
  const open = (over: Record<string, string> = {}, log?: pino.Logger): ReadingsStore =>
    openInfluxReadingsStore(loadInfluxConfig(env(over)), log === undefined ? {} : { log })

  /** One InfluxQL statement straight to influxd, to check what the store did without the store. */
  async function influxql(q: string, db = 'geowarn'): Promise<Array<Record<string, unknown>>> {
    const res = await fetch(`${server.url}/query?db=${encodeURIComponent(db)}&epoch=ms`, { method: 'POST', body: new URLSearchParams({ q }) })
    const body = (await res.json()) as { results: Array<{ error?: string; series?: Array<{ columns: string[]; values: unknown[][] }> }> }
    const result = body.results[0]
    if (result?.error !== undefined) throw new Error(result.error)
    return (result?.series ?? []).flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
  }

  readingsStoreContract('influxdb 1.6, api v1', async () => open())

  test('hostile site, device and sensor ids round-trip, and cannot widen a query', async () => {
    const siteId = `it's "a" \\ site, a=b ${randomBytes(2).toString('hex')}`
    const store = open()
    const r = reading(siteId, { deviceId: `dev 'x'`, sensorId: 's=1,"2"' })
    await store.write([r, reading(uniqueSite())])
    expect(await store.query({ siteId, from: t0, to: t0 + 1 })).toEqual([r])
    expect(await store.latest(siteId)).toEqual([r])
    expect(await store.aggregate({ siteId, deviceId: r.deviceId, sensorId: r.sensorId, from: t0, to: t0 + HOUR, everyMs: HOUR, fn: 'max' })).toEqual([
      { ts: t0, deviceId: r.deviceId, sensorId: r.sensorId, type: 'crack', fields: { openingMm: 1 } }
    ])
    for (const hostile of [`x' OR "site" != '`, `x\n' OR 1=1`, `\\`]) {
      expect(await store.query({ siteId: hostile, from: t0, to: t0 + 1 })).toEqual([])
      expect(await store.latest(hostile)).toEqual([])
      expect(await store.latestStatuses(hostile)).toEqual([])
    }
    await store.close()
  })

  test('status strings round-trip: swVersion and sensorState with quotes and backslashes', async () => {
    // Ids are the domain's (statuses are read back through its schema); the free text is not.
    const siteId = uniqueSite()
    const store = open()
    const status = { deviceId: 'dev-1', siteId, county: '510722', ts: t0, sensorState: { 'L1_LF_1': -2, 'x"\\y': 0 }, swVersion: `v"1" \\ 'b', c=d` }
    await store.writeStatuses([status, { ...status, deviceId: 'dev-2', siteId: uniqueSite() }])
    expect(await store.latestStatuses(siteId)).toEqual([status])
    await store.close()
  })

  test('a refusal nobody could predict (a field type conflict) is bisected: the rest is written, the bad points named', async () => {
    const siteId = uniqueSite()
    // Field types are per shard (7 days here): a far-off week, so other tests never meet the string field.
    const ts = Date.UTC(2031, 2, 3)
    const planted = await fetch(`${server.url}/write?db=geowarn&rp=forever&precision=ms`, { method: 'POST', body: `reading,site=elsewhere clashMm="text" ${ts}` })
    expect(planted.status).toBe(204)
    const store = open()
    const batch = Array.from({ length: 9 }, (_, i) => reading(siteId, { ts: ts + i, fields: i === 2 || i === 6 ? { clashMm: i } : { openingMm: i } }))
    const err = await store.write(batch).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(PointsRejectedError)
    expect((err as PointsRejectedError).rejected).toEqual([
      { index: 2, reason: expect.stringMatching(/^InfluxDB: partial write: field type conflict: input field "clashMm"/) },
      { index: 6, reason: expect.stringMatching(/field type conflict/) }
    ])
    expect((await store.query({ siteId, from: ts, to: ts + HOUR })).map((r) => r.fields.openingMm)).toEqual([0, 1, 3, 4, 5, 7, 8])
    await store.close()
  })

  test(`a batch of more than ${CHUNK_LINES} readings goes in several requests, every one acknowledged`, async () => {
    const siteId = uniqueSite()
    const store = open({ GEOWARN_INFLUX_GZIP: 'false' })
    const n = 2 * CHUNK_LINES + 7
    await store.write(Array.from({ length: n }, (_, i) => reading(siteId, { ts: t0 + i * 1000, fields: { openingMm: i } })))
    const [count] = await store.aggregate({ siteId, from: t0, to: t0 + n * 1000, everyMs: 365 * 24 * HOUR, fn: 'count' })
    expect(count?.fields.openingMm).toBe(n)
    await store.close()
  })

  test('v1 create: a missing database or retention policy is made with GEOWARN_READINGS_RETENTION; a different one is left, with a warning', async () => {
    const db = `created_${randomBytes(3).toString('hex')}`
    const first = open({ GEOWARN_INFLUX_BUCKET: db, GEOWARN_READINGS_RETENTION: '104w' })
    await first.write([reading(uniqueSite(), { ts: Date.now() })])
    await first.close()
    expect(await influxql(`SHOW RETENTION POLICIES ON "${db}"`)).toEqual([expect.objectContaining({ name: 'autogen', duration: '17472h0m0s', default: true })])

    const second = open({ GEOWARN_INFLUX_BUCKET: `${db}/short`, GEOWARN_READINGS_RETENTION: '48h' })
    await second.write([reading(uniqueSite(), { ts: Date.now() })])
    await second.close()
    expect(await influxql(`SHOW RETENTION POLICIES ON "${db}"`)).toContainEqual(expect.objectContaining({ name: 'short', duration: '48h0m0s', default: false }))

    const { log, lines } = capturedLog()
    const third = open({ GEOWARN_INFLUX_BUCKET: `${db}/short`, GEOWARN_READINGS_RETENTION: '730d' }, log)
    expect(await third.latest('nowhere')).toEqual([])
    await third.close()
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, retentionPolicy: 'short', duration: '48h0m0s', wanted: '17520h' }))
    expect(await influxql(`SHOW RETENTION POLICIES ON "${db}"`)).toContainEqual(expect.objectContaining({ name: 'short', duration: '48h0m0s' }))
  })

  test('a point older than the retention policy is refused by InfluxDB and named, the rest written', async () => {
    const siteId = uniqueSite()
    const store = open({ GEOWARN_INFLUX_BUCKET: 'geowarn/two_days', GEOWARN_READINGS_RETENTION: '48h' })
    const now = Date.now()
    const err = await store.write([reading(siteId, { ts: now - 10 * 24 * HOUR }), reading(siteId, { ts: now })]).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toMatchObject({ rejected: [{ index: 0, reason: expect.stringMatching(/beyond retention policy/) }] })
    expect((await store.latest(siteId)).map((r) => r.ts)).toEqual([now])
    await store.close()
  })

  test('influxd stopped: write() rejects at once and ping says false; restarted on the same port and data, the store carries on', async () => {
    const siteId = uniqueSite()
    const store = open()
    await store.write([reading(siteId, { ts: t0 })])
    await server.stop()
    const started = Date.now()
    await expect(store.write([reading(siteId, { ts: t0 + 1 })])).rejects.toThrow(/InfluxDB write failed: .*(ECONNREFUSED|ECONNRESET|socket hang up)/)
    // Refused outright, not cut off by the 10 s request timeout (margin for a loaded CI machine).
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await store.ping()).toBe(false)
    await server.start()
    expect(await store.ping()).toBe(true)
    await store.write([reading(siteId, { ts: t0 + 2 })])
    expect((await store.query({ siteId, from: t0, to: t0 + HOUR })).map((r) => r.ts)).toEqual([t0, t0 + 2])
    await store.close()
  })

  test('a second influxd runs beside the first (ports of its own); killed and restarted, it replays what it acknowledged', async () => {
    const second = await startInfluxd()
    try {
      expect(second.port).not.toBe(server.port)
      const store = openInfluxReadingsStore(loadInfluxConfig({ ...env(), GEOWARN_INFLUX_URL: second.url }))
      const siteId = uniqueSite()
      await store.write([reading(siteId)])
      await second.kill()
      expect(second.pid).toBeUndefined()
      await second.start()
      expect(await store.query({ siteId, from: t0, to: t0 + 1 })).toEqual([reading(siteId)])
      await store.close()
    } finally {
      await second.close()
    }
  })

  test('after close, writes reject with a code and ping says false', async () => {
    const store = open()
    await store.close()
    expect(await store.ping()).toBe(false)
    await expect(store.write([reading(uniqueSite())])).rejects.toMatchObject({ code: 'GH_ERR_STORE_CLOSED' })
    await expect(store.latest('x')).rejects.toMatchObject({ code: 'GH_ERR_STORE_CLOSED' })
  })
})
