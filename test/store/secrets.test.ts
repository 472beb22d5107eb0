import { describe, expect, test } from 'vitest'
import { hashDeviceSecret, hashPassword, hashPasswordSync, randomSecret, SCRYPT_PARAMS, verifyDeviceSecret, verifyPassword } from '../../store/secrets.js'

describe('device secrets (salted HMAC-SHA-256)', () => {
  test('format, salted, verifies only the right secret', () => {
    const secret = randomSecret()
    const a = hashDeviceSecret(secret)
    const b = hashDeviceSecret(secret)
    expect(a).toMatch(/^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/)
    expect(a).not.toBe(b)
    expect(verifyDeviceSecret(secret, a)).toBe(true)
    expect(verifyDeviceSecret(secret, b)).toBe(true)
    expect(verifyDeviceSecret(`${secret}x`, a)).toBe(false)
    expect(a).not.toContain(secret)
  })

  test.each(['', 'sha256$', 'sha256$00$00', 'md5$00$00', `scrypt$${'0'.repeat(10)}`, 'sha256$zz$zz$zz'])('malformed stored hash %j never verifies', (stored) => {
    expect(verifyDeviceSecret('anything', stored)).toBe(false)
  })
})

describe('passwords (scrypt)', () => {
  test('async and sync hashes use the configured cost and verify', async () => {
    const { N, r, p } = SCRYPT_PARAMS
    const fromAsync = await hashPassword('correct horse battery staple')
    const fromSync = hashPasswordSync('correct horse battery staple')
    for (const stored of [fromAsync, fromSync]) {
      expect(stored).toMatch(new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[0-9a-f]{32}\\$[0-9a-f]{64}$`))
      expect(await verifyPassword('correct horse battery staple', stored)).toBe(true)
      expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false)
    }
    expect(fromAsync).not.toBe(fromSync)
  })

  test.each([
    ['empty', ''],
    ['wrong scheme', 'bcrypt$2$8$1$00$00'],
    ['N not a power of two', `scrypt$1000$8$1$${'0'.repeat(32)}$${'0'.repeat(64)}`],
    ['N absurdly large', `scrypt$${2 ** 30}$8$1$${'0'.repeat(32)}$${'0'.repeat(64)}`],
    ['short key', `scrypt$16384$8$1$${'0'.repeat(32)}$00`]
  ])('malformed stored hash (%s) never verifies', async (_label, stored) => {
    expect(await verifyPassword('pw', stored)).toBe(false)
  })
})

test('randomSecret: base64url of the requested bytes, never repeating', () => {
  expect(randomSecret()).toMatch(/^[A-Za-z0-9_-]{32}$/)
  expect(randomSecret(16)).toMatch(/^[A-Za-z0-9_-]{22}$/)
  expect(new Set(Array.from({ length: 100 }, () => randomSecret())).size).toBe(100)
})
