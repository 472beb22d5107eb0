import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startHarness, type Harness } from './fixture.js'

let h: Harness
let webRoot: string

beforeAll(async () => {
  webRoot = mkdtempSync(join(tmpdir(), 'geowarn-web-'))
  mkdirSync(join(webRoot, 'assets'))
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>GeoWarn app</title>')
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")')
  h = await startHarness({ webRoot })
})
afterAll(async () => {
  await h.close()
  rmSync(webRoot, { recursive: true, force: true })
})

test.each([
  ['/', 'GeoWarn app'],
  ['/sites/site-a', 'GeoWarn app'],
  ['/regions/430000?tab=alerts', 'GeoWarn app'],
  ['/assets/app.js', 'console.log']
])('GET %s serves the built app', async (url, body) => {
  const res = await h.dashboard.fastify.inject({ method: 'GET', url })
  expect(res.statusCode).toBe(200)
  expect(res.body).toContain(body)
})

test.each([
  ['GET', '/api/unknown'],
  ['POST', '/sites/site-a'],
  ['GET', '/socket.io-nothing'],
  ['GET', '/assets/index-stale.js'],
  ['GET', '/favicon.ico']
])('%s %s is a JSON 404, not the app', async (method, url) => {
  const res = await h.dashboard.fastify.inject({ method: method as 'GET' | 'POST', url })
  expect(res.statusCode).toBe(404)
  expect(res.json()).toMatchObject({ code: 'GH_ERR_NOT_FOUND' })
})
