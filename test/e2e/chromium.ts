import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { build } from 'vite'
import { expect, test } from 'vitest'

/** Debian's Chromium (apt-get install chromium), driven by playwright-core: no browser download. */
export const CHROMIUM_PATH = '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM_PATH)

/**
 * Without Chromium a laptop skips the browser tests with a message; CI (CI=true) fails instead,
 * because a missing browser there is a broken CI, not a reason to test less.
 */
export function requireChromium(suite: string): void {
  if (haveChromium) return
  if (process.env.CI) {
    test(`${suite}: headless Chromium is installed`, () => {
      expect.fail(`no Chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium); CI must not skip the browser tests`)
    })
  } else {
    console.warn(`[${suite}] SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium). With CI set this fails instead.`)
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // As root and on a closed network: no sandbox, no background connections (they are refused).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
}

/** Build the web app from the current sources into a fresh folder, so no `npm run build` is needed first. */
export async function buildWebApp(repoRoot: string): Promise<string> {
  const webRoot = await mkdtemp(join(tmpdir(), 'geowarn-web-'))
  await build({ configFile: join(repoRoot, 'dashboard/web/vite.config.ts'), logLevel: 'warn', build: { outDir: webRoot, emptyOutDir: true } })
  return webRoot
}
