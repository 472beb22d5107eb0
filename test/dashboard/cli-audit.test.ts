import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { runUserAdd } from '../../cli/tools.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'

/** `geowarn user add` writes to the platform DB the dashboard shares, so it goes on the audit record. */

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'geowarn-cli-audit-'))
  vi.stubEnv('GEOWARN_DATA_DIR', dir)
  vi.stubEnv('GEOWARN_NEW_PASSWORD', 'a long enough password')
  vi.spyOn(console, 'log').mockImplementation(() => undefined)
})
afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
  rmSync(dir, { recursive: true, force: true })
})

const auditOf = () => {
  const db = openPlatformDb(join(dir, 'platform.db'))
  try {
    return { entries: db.queryAudit({ action: 'user.create' }), user: db.getUserByUsername('first-admin') }
  } finally {
    db.close()
  }
}

test('user add records user.create with actor cli; --if-none that creates nothing records nothing', async () => {
  const args = ['add', '--username', 'first-admin', '--role', 'admin', '--region', '000000', '--name', '部管理员', '--if-none']
  expect(await runUserAdd(args)).toBe(0)
  const { entries, user } = auditOf()
  expect(entries).toHaveLength(1)
  expect(entries[0]).toMatchObject({
    actor: 'cli',
    action: 'user.create',
    target: `user:${user?.id ?? 'missing'}`,
    detail: { username: 'first-admin', after: { role: 'admin', region: '000000', displayName: '部管理员' } },
    regions: ['000000']
  })
  expect(JSON.stringify(entries)).not.toContain('a long enough password')

  // The deployment's init step runs again: an account exists, nothing is created, nothing recorded.
  expect(await runUserAdd(args)).toBe(0)
  expect(auditOf().entries).toHaveLength(1)
})
