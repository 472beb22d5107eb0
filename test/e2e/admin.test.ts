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
    } finally {
      await context.close()
    }
  }, 60_000)
})
