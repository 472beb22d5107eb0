import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { existsSync, watch } from 'node:fs'
import { copyFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { inject } from 'vitest'

/**
 * Our services as separate processes, as docker-compose runs them: each its compose command in a
 * folder laid out like the image's /app, with its environment and nothing else; readiness read from
 * their pino log lines; stopped by pid; their logs kept in test-results/ when a test fails.
 */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const resultsDir = join(repoRoot, 'test-results')

/** One pino line as the service wrote it (`msg`, `level`, and the object it logged). */
export type LogRecord = Record<string, unknown> & { msg?: string; level?: number }

// Building is one `tsc` over the repository: seconds on an idle machine, much more on a busy CI box.
const BUILD_TIMEOUT_MS = 180_000
const STOP_GRACE_MS = 10_000

/**
 * The services built as the image builds them, in this run's application folder
 * (test/support/global-build.ts), laid out like the image's /app: `dist/` from the project's own
 * `tsc -p tsconfig.build.json`, `package.json`, and links to the repository's `config/` and
 * `node_modules/`. Commands from docker-compose.yml (`node dist/ingest/main.js`) run there
 * verbatim. The first caller of the run builds; the others wait for its result, whichever test
 * file they run in.
 */
export async function buildServices(): Promise<string> {
  const app = inject('serviceAppDir')
  if (app === undefined) throw new Error('no serviceAppDir: vitest.config.ts must list test/support/global-build.ts in globalSetup')
  const resultFile = join(app, 'build-result.json')
  if (await claim(join(app, 'build-lock'))) {
    let result: { ok: boolean; output: string }
    try {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
      const r = await runToEnd(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')], { cwd: repoRoot, env: process.env }, BUILD_TIMEOUT_MS)
      result = { ok: r.code === 0, output: r.output.slice(-8000) }
      if (result.ok) {
        await copyFile(join(repoRoot, 'package.json'), join(app, 'package.json'))
        await symlink(join(repoRoot, 'config'), join(app, 'config'))
        await symlink(join(repoRoot, 'node_modules'), join(app, 'node_modules'))
      }
    } catch (err) {
      // Reported to every waiting test rather than leaving them to time out.
      result = { ok: false, output: String(err) }
    }
    // Written whole, then renamed: a waiting test never reads half a file.
    await writeFile(`${resultFile}.tmp`, JSON.stringify(result))
    await rename(`${resultFile}.tmp`, resultFile)
  }
  await fileAppears(app, 'build-result.json', BUILD_TIMEOUT_MS)
  const result = JSON.parse(await readFile(resultFile, 'utf8')) as { ok: boolean; output: string }
  if (!result.ok) throw new Error(`building the services failed (tsc -p tsconfig.build.json):\n${result.output}`)
  return app
}

async function claim(lockDir: string): Promise<boolean> {
  try {
    await mkdir(lockDir)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

function fileAppears(dir: string, name: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, (_event, file) => {
      if (file === name) done()
    })
    const timer = setTimeout(() => done(new Error(`${join(dir, name)} did not appear within ${timeoutMs} ms`)), timeoutMs)
    function done(err?: Error): void {
      watcher.close()
      clearTimeout(timer)
      if (err === undefined) resolve()
      else reject(err)
    }
    // Checked after the watcher is in place, so an appearance in between is not missed.
    if (existsSync(join(dir, name))) done()
  })
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  /** stdout and stderr, interleaved as they came. */
  output: string
}

function runToEnd(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }, timeoutMs: number): Promise<RunResult> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (b: Buffer) => (output += b.toString('utf8')))
  child.stderr?.on('data', (b: Buffer) => (output += b.toString('utf8')))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output })
    })
  })
}

/**
 * What every container gets besides its compose `environment`: the image's PATH and NODE_ENV
 * (Dockerfile). Nothing of the test runner's own environment leaks into a service.
 */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' }
}

/**
 * An argv as docker-compose gives it (`command:` or a health check's `CMD` form): `node` is this
 * Node, anything else is looked up on PATH. Run in the application folder, the image's WORKDIR.
 */
function executable(argv: readonly string[]): { command: string; args: string[] } {
  const [command, ...args] = argv
  if (command === undefined) throw new Error('empty command')
  return { command: command === 'node' ? process.execPath : command, args }
}

/** Run a command to its end (the `init` service, a health check) with only `env` besides baseEnv(). */
export function runCommand(argv: readonly string[], opts: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
  const { command, args } = executable(argv)
  return runToEnd(command, args, { cwd: opts.cwd, env: { ...baseEnv(), ...opts.env } }, opts.timeoutMs ?? 60_000)
}

export interface ServiceSpec {
  /** Label in logs and file names: `broker`, `ingest`, … */
  name: string
  /** Its compose `command`, e.g. `['node', 'dist/ingest/main.js']`. */
  command: readonly string[]
  /** The application folder (buildServices()): the working directory. */
  cwd: string
  env: Record<string, string>
  /** The log line that says the service is ready. */
  ready: (record: LogRecord) => boolean
  readyTimeoutMs?: number
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** One running service process and everything it logged. */
export class ServiceProcess {
  readonly records: LogRecord[] = []
  /** stdout and stderr lines as written (stderr prefixed), for the failure logs. */
  readonly lines: string[] = []
  readonly exited: Promise<Exit>
  #exit: Exit | undefined
  readonly #child: ChildProcess
  readonly #events = new EventEmitter()

  constructor(
    readonly name: string,
    child: ChildProcess
  ) {
    this.#child = child
    this.#events.setMaxListeners(0)
    if (child.stdout === null || child.stderr === null) throw new Error('spawned without pipes')
    createInterface({ input: child.stdout }).on('line', (line) => this.#onLine(line, false))
    createInterface({ input: child.stderr }).on('line', (line) => this.#onLine(line, true))
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal }
        this.#events.emit('exit')
        resolve(this.#exit)
      })
    })
  }

  get pid(): number {
    if (this.#child.pid === undefined) throw new Error(`${this.name} has no pid`)
    return this.#child.pid
  }

  get running(): boolean {
    return this.#exit === undefined
  }

  #onLine(line: string, stderr: boolean): void {
    this.lines.push(stderr ? `[stderr] ${line}` : line)
    if (stderr) return
    let record: LogRecord
    try {
      const parsed: unknown = JSON.parse(line)
      if (typeof parsed !== 'object' || parsed === null) return
      record = parsed as LogRecord
    } catch {
      // Not a pino line (a stack trace from a crash): kept in `lines`, not a record.
      return
    }
    this.records.push(record)
    this.#events.emit('record', record)
  }

  /** The first record (already logged or still to come) matching `pred`; fails if the process exits first. */
  waitForLog(pred: (r: LogRecord) => boolean, what: string, timeoutMs = 20_000): Promise<LogRecord> {
    const seen = this.records.find(pred)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const onRecord = (r: LogRecord): void => {
        if (pred(r)) finish(undefined, r)
      }
      const onExit = (): void => finish(new Error(`${this.name} exited (${JSON.stringify(this.#exit)}) before logging ${what}\n${this.tail()}`))
      const timer = setTimeout(() => finish(new Error(`${this.name} did not log ${what} within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs)
      const finish = (err: Error | undefined, r?: LogRecord): void => {
        clearTimeout(timer)
        this.#events.off('record', onRecord)
        this.#events.off('exit', onExit)
        if (err !== undefined || r === undefined) reject(err)
        else resolve(r)
      }
      this.#events.on('record', onRecord)
      if (this.#exit !== undefined) onExit()
      else this.#events.once('exit', onExit)
    })
  }

  /** The last lines it wrote, for error messages. */
  tail(n = 30): string {
    return this.lines.slice(-n).join('\n')
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(): Promise<Exit> {
    if (this.#exit !== undefined) return this.#exit
    this.#child.kill('SIGTERM')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS)
    const exit = await this.exited
    clearTimeout(timer)
    return exit
  }

  /** SIGKILL: no shutdown hook runs, as in a crash or an OOM kill. */
  async kill(): Promise<Exit> {
    if (this.#exit !== undefined) return this.#exit
    this.#child.kill('SIGKILL')
    return this.exited
  }

  /** For the process-exit safety net only. */
  killNow(): void {
    if (this.#exit === undefined) this.#child.kill('SIGKILL')
  }
}

const live = new Set<ServiceProcess>()
// If the test worker dies with services running (a crash, a timeout), they must not outlive it.
process.once('exit', () => {
  for (const p of live) p.killNow()
})

/** The services of one test file: started in order, stopped in reverse, logs saved on failure. */
export class ProcessGroup {
  readonly #started: ServiceProcess[] = []

  constructor(readonly suite: string) {}

  /** Spawn the service's command and wait for its ready line. */
  async start(spec: ServiceSpec): Promise<ServiceProcess> {
    const { command, args } = executable(spec.command)
    const child = spawn(command, args, { cwd: spec.cwd, env: { ...baseEnv(), ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const p = new ServiceProcess(spec.name, child)
    this.#started.push(p)
    live.add(p)
    void p.exited.then(() => live.delete(p))
    try {
      await p.waitForLog(spec.ready, 'its ready line', spec.readyTimeoutMs ?? 30_000)
    } catch (err) {
      await p.kill()
      throw err
    }
    return p
  }

  async stopAll(): Promise<void> {
    for (const p of [...this.#started].reverse()) await p.stop()
  }

  /** Every process's output under test-results/<suite>/ (restarted services numbered); returns the folder. */
  async saveLogs(): Promise<string> {
    const dir = join(resultsDir, this.suite)
    // Only this run's logs: an earlier run's would read as this one's.
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    const seen = new Map<string, number>()
    for (const p of this.#started) {
      const n = (seen.get(p.name) ?? 0) + 1
      seen.set(p.name, n)
      await writeFile(join(dir, `${p.name}-${n}.log`), `${p.lines.join('\n')}\n`)
    }
    return dir
  }
}

/** The port a service bound, from its ready line, e.g. the broker's `mqttPort`. */
export function loggedPort(record: LogRecord, key: string): number {
  const v = record[key]
  if (typeof v !== 'number') throw new Error(`no ${key} in ${JSON.stringify(record)}`)
  return v
}
