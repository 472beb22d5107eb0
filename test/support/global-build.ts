import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's application folder for the service processes (test/support/processes.ts `buildServices`). */
    serviceAppDir: string
  }
}

/**
 * Vitest global setup: reserves one folder per test run for a build of the services and removes it
 * afterwards. It builds nothing itself: the first test that runs our services as processes builds
 * into it, so a run that selects no such test pays nothing and one that selects several builds once.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'geowarn-app-'))
  project.provide('serviceAppDir', dir)
  return () => rm(dir, { recursive: true, force: true })
}
