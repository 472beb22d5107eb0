import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

/** Debian's `influxdb` package (1.6.7): what CI installs and what the tests and `geowarn bench` run. */
export const INFLUXD_PATH = '/usr/bin/influxd'

export interface InfluxdOptions {
  /** Default INFLUXD_PATH. */
  binary?: string
  /** How long to wait for `/ping` after each start; default 30 s (a restart after a kill replays the WAL first). */
  readyTimeoutMs?: number
}

/** A throwaway influxd on loopback ports of its own, with its own data folder. */
export interface InfluxdServer {
  /** `http://127.0.0.1:<port>`, the same across restarts. */
  readonly url: string
  readonly port: number
  /** Holds `meta/`, `data/`, `wal/`, `influxd.conf` and `influxd.log`. */
  readonly dir: string
  /** Of the running process; undefined while stopped. */
  readonly pid: number | undefined
  /** Start again after stop() or kill(): same ports, same data. Resolves once `/ping` answers. */
  start(): Promise<void>
  /** SIGTERM, then wait for the exit (SIGKILL if it has not exited after 15 s). */
  stop(): Promise<void>
  /** SIGKILL, then wait for the exit: a crash, as the fault test needs. */
  kill(): Promise<void>
  /** Stop it and delete its folder. Safe to call twice. */
  close(): Promise<void>
}

const STOP_GRACE_MS = 15_000
// Another process may take a port between our probe and influxd's bind; a fresh pair then.
const BIND_ATTEMPTS = 3

/**
 * Start influxd 1.x for a test or a bench: HTTP and the RPC (backup) service on free 127.0.0.1
 * ports, so several run side by side; usage reporting, the `_internal` monitor database,
 * subscriptions and the HTTP access log off; logs to `influxd.log` in its folder.
 */
export async function startInfluxd(opts: InfluxdOptions = {}): Promise<InfluxdServer> {
  const binary = opts.binary ?? INFLUXD_PATH
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000
  const dir = await mkdtemp(join(tmpdir(), 'geowarn-influxd-'))
  const confPath = join(dir, 'influxd.conf')
  const logPath = join(dir, 'influxd.log')
  let port = 0
  let child: ChildProcess | undefined

  const launch = async (): Promise<void> => {
    const log = openSync(logPath, 'a')
    // Only PATH: influxd lets INFLUXDB_* variables override its config file.
    const proc = spawn(binary, ['run', '-config', confPath], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH ?? '' } })
    closeSync(log)
    child = proc
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }))
      proc.once('error', resolve)
    })
    let running = true
    void ended.then(() => (running = false))
    let outcome: Awaited<typeof ended> | 'ready'
    try {
      outcome = await Promise.race([waitForPing(port, readyTimeoutMs, () => running).then(() => 'ready' as const), ended])
    } catch (err) {
      // Running but never ready: do not leave it behind.
      await signalAndWait('SIGKILL')
      throw err
    }
    if (outcome === 'ready') return
    child = undefined
    if (outcome instanceof Error) throw new Error(`cannot run ${binary}: ${outcome.message}`)
    const logTail = tail(logPath)
    throw new InfluxdExitError(`influxd exited (${outcome.signal ?? `code ${outcome.code}`}) before answering /ping; log ${logPath}:\n${logTail}`, logTail)
  }

  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) {
      child = undefined
      return
    }
    const exited = once(proc, 'exit')
    proc.kill(signal)
    const grace = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS)
    try {
      await exited
    } finally {
      clearTimeout(grace)
      child = undefined
    }
  }

  for (let attempt = 1; ; attempt++) {
    const [httpPort = 0, rpcPort = 0] = await freePorts(2)
    port = httpPort
    writeFileSync(confPath, influxdConfig(dir, httpPort, rpcPort))
    try {
      await launch()
      break
    } catch (err) {
      const portTaken = err instanceof InfluxdExitError && /address already in use/.test(err.logTail)
      if (!portTaken || attempt >= BIND_ATTEMPTS) {
        await rm(dir, { recursive: true, force: true })
        throw err
      }
    }
  }

  // A test runner that dies must not leave influxd behind: it is not detached, but it would outlive us.
  const killOnExit = (): void => {
    child?.kill('SIGKILL')
  }
  process.once('exit', killOnExit)

  let closing: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child?.pid
    },
    start: async () => {
      if (child !== undefined) throw new Error('influxd is already running')
      await launch()
    },
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    close: () =>
      (closing ??= (async () => {
        await signalAndWait('SIGTERM')
        process.off('exit', killOnExit)
        await rm(dir, { recursive: true, force: true })
      })())
  }
}

class InfluxdExitError extends Error {
  constructor(
    message: string,
    readonly logTail: string
  ) {
    super(message)
    this.name = 'InfluxdExitError'
  }
}

/** The whole config: influxd's defaults otherwise, but nothing that listens or writes outside `dir`. */
function influxdConfig(dir: string, httpPort: number, rpcPort: number): string {
  const q = (s: string): string => JSON.stringify(s)
  return `reporting-disabled = true
bind-address = ${q(`127.0.0.1:${rpcPort}`)}

[meta]
  dir = ${q(join(dir, 'meta'))}
  logging-enabled = false

[data]
  dir = ${q(join(dir, 'data'))}
  wal-dir = ${q(join(dir, 'wal'))}
  query-log-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  bind-address = ${q(`127.0.0.1:${httpPort}`)}
  log-enabled = false
  pprof-enabled = false

[logging]
  level = "info"
  suppress-logo = true
`
}

/** Ports the OS hands out for port 0; all held open together so they differ. */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer())
  try {
    return await Promise.all(
      servers.map(async (s) => {
        s.listen(0, '127.0.0.1')
        await once(s, 'listening')
        return (s.address() as AddressInfo).port
      })
    )
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}

/** Poll `/ping` until it answers 204 (influxd has no other sign that it serves), while `running()`. */
async function waitForPing(port: number, timeoutMs: number, running: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (running() && Date.now() < deadline) {
    if (await pingOnce(port)) return
    await delay(50)
  }
  if (running()) throw new Error(`influxd on 127.0.0.1:${port} did not answer /ping within ${timeoutMs} ms`)
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 204)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n')
  } catch (err) {
    return `(no log: ${(err as Error).message})`
  }
}
