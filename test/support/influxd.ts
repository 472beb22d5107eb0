import { existsSync } from 'node:fs'
import { expect, test } from 'vitest'
import { INFLUXD_PATH } from '../../cli/influxd-server.js'

/** Debian's influxd (apt-get install influxdb), 1.6.7: what CI installs for the InfluxDB tests. */
export const haveInfluxd = existsSync(INFLUXD_PATH)

/**
 * Without influxd a laptop skips the InfluxDB tests with a message; CI (CI set) fails instead,
 * because a missing server there is a broken CI, not a reason to test less. Pair it with
 * `describe.skipIf(!haveInfluxd)` around the tests that need the server.
 */
export function requireInfluxd(suite: string): void {
  if (haveInfluxd) return
  if (process.env.CI) {
    test(`${suite}: influxd is installed`, () => {
      expect.fail(`no influxd at ${INFLUXD_PATH}: install it (apt-get install influxdb); CI must not skip the InfluxDB tests`)
    })
  } else {
    console.warn(`[${suite}] SKIPPED: no influxd at ${INFLUXD_PATH} (apt-get install influxdb). With CI set this fails instead.`)
  }
}
