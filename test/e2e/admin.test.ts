import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { haveChromium, launchChromium, requireChromium } from './chromium.js'
import { JIANGHUA, PASSWORD, startStack, type Stack } from './browser-stack.js'

/** Account management through the page: an administrator creates an account, which then logs in. */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

requireChromium('admin')

describe.skipIf(!haveChromium)('admin pages in headless Chromium', () => {
  let stack: Stack
  let browser: Browser

  beforeAll(async () => {
    stack = await startStack(repoRoot)
    stack.db.createUser({ username: 'hunan-admin', password: PASSWORD, role: 'admin', region: '430000', displayName: '湖南省管理员' })
    stack.db.createUser({ username: 'hunan-admin-2', password: PASSWORD, role: 'admin', region: '430000', displayName: '湖南省管理员二' })
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await stack?.close()
  })

  test('an administrator creates a county officer through the page; the officer logs in; the audit page lists it', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    try {
      const page = await context.newPage()
      const signIn = async (username: string, password: string): Promise<void> => {
        await page.goto(`${stack.dashboard.url}/#/login`)
        await page.getByTestId('login-username').fill(username)
        await page.getByTestId('login-password').fill(password)
        await page.getByTestId('login-submit').click()
      }
      await signIn('hunan', PASSWORD)
      await page.getByTestId('logout').waitFor()
      // Not an administrator: no entry in the top bar.
      expect(await page.getByTestId('nav-admin').isHidden()).toBe(true)
      await page.getByTestId('logout').click()

      await signIn('hunan-admin', PASSWORD)
      await page.getByTestId('nav-admin').click()
      await page.getByTestId('admin-users').waitFor()
      await page.locator('tr[data-username="hunan"]').waitFor()
      // A peer administrator (same province) is a higher admin's to manage: no buttons, a note.
      const peer = page.locator('tr[data-username="hunan-admin-2"]')
      expect(await peer.getByTestId('admin-peer').textContent()).toBe('同级管理员由上级管理员管理')
      expect(await peer.locator('button').count()).toBe(0)
      // Oneself: the display name only.
      await page.locator('tr[data-username="hunan-admin"]').getByTestId('admin-edit').click()
      expect(await page.getByTestId('admin-edit-form').locator('input[name="region"]').count()).toBe(0)
      expect(await page.getByTestId('edit-password').count()).toBe(0)
      await page.getByTestId('new-username').fill('jianghua-duty')
      await page.getByTestId('new-display-name').fill('江华值班员')
      await page.getByTestId('new-role').selectOption('duty_officer')
      await page.getByTestId('new-region').fill(JIANGHUA)
      await page.getByTestId('new-password').fill('a long enough one')
      await page.getByTestId('new-submit').click()
      await page.locator('tr[data-username="jianghua-duty"]').waitFor()
      expect(await page.getByTestId('admin-message').textContent()).toContain('jianghua-duty')
      expect(stack.db.getUserByUsername('jianghua-duty')).toMatchObject({ role: 'duty_officer', region: JIANGHUA })

      // Outside the jurisdiction: refused in the officer's language.
      await page.getByTestId('new-username').fill('sichuan-duty')
      await page.getByTestId('new-display-name').fill('四川')
      await page.getByTestId('new-region').fill('510704')
      await page.getByTestId('new-password').fill('a long enough one')
      await page.getByTestId('new-submit').click()
      await expect.poll(() => page.getByTestId('admin-message').textContent()).toContain('辖区以外')

      await page.goto(`${stack.dashboard.url}/#/admin/audit`)
      await page.locator('tr[data-action="user.create"]').first().waitFor()
      expect(await page.getByTestId('audit-table').textContent()).toContain('jianghua-duty')
      await page.getByTestId('logout').click()

      await signIn('jianghua-duty', 'a long enough one')
      await page.getByTestId('logout').waitFor()
      expect(await page.locator('.topbar .user').textContent()).toBe('江华值班员')

      // The officer changes their own password on My account: the current one is required.
      await page.getByTestId('nav-account').click()
      await page.getByTestId('account-form').waitFor()
      await page.getByTestId('account-current').fill('not my password')
      await page.getByTestId('account-next').fill('a newer long one')
      await page.getByTestId('account-confirm').fill('a newer long one')
      await page.getByTestId('account-submit').click()
      await expect.poll(() => page.getByTestId('account-message').getAttribute('class')).toBe('error')
      await page.getByTestId('account-current').fill('a long enough one')
      await page.getByTestId('account-submit').click()
      await expect.poll(() => page.getByTestId('account-message').textContent()).toContain('密码已修改')
      expect(await stack.db.verifyUser('jianghua-duty', 'a newer long one')).toMatchObject({ username: 'jianghua-duty' })
      expect(await stack.db.verifyUser('jianghua-duty', 'a long enough one')).toBeUndefined()
    } finally {
      await context.close()
    }
  }, 60_000)
})
