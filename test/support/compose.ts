import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { isAlias, isMap, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml'
import { loggedPort, repoRoot, runCommand, type ProcessGroup, type RunResult, type ServiceProcess } from './processes.js'

/**
 * docker-compose.yml as the tests read it: each service's command, environment and health check,
 * with compose's variable interpolation applied, so that a test runs exactly what a container runs.
 */

export const COMPOSE_FILE = join(repoRoot, 'docker-compose.yml')

export interface ComposeFile {
  doc: Document
  services: Record<string, ComposeService>
}

export interface ComposeService {
  command?: string[]
  environment?: Record<string, string | number | boolean | null>
  healthcheck?: { test: string[] }
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
}

export function loadCompose(file = COMPOSE_FILE): ComposeFile {
  // Compose resolves `<<:` merge keys (its x- extension fields rely on them).
  const doc = parseDocument(readFileSync(file, 'utf8'), { merge: true })
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`)
  const js = doc.toJS() as { services?: Record<string, ComposeService> }
  if (js.services === undefined) throw new Error(`${file} has no services`)
  return { doc, services: js.services }
}

export function service(compose: ComposeFile, name: string): ComposeService {
  const s = compose.services[name]
  if (s === undefined) throw new Error(`docker-compose.yml has no service ${name}`)
  return s
}

/**
 * Compose's interpolation (docs.docker.com/compose/how-tos/environment-variables/variable-interpolation):
 * `${VAR}`, `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` / `${VAR?error}`, `$VAR`, and `$$`
 * for a literal `$`; any other `$` is an error, as in compose. `vars` plays the `.env` file; a
 * missing required variable throws its message.
 */
export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|)/g, (whole, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$'
    if (bare !== undefined) return vars[bare] ?? ''
    if (name === undefined) throw new Error(`docker-compose.yml: invalid interpolation at ${JSON.stringify(text.slice(text.indexOf(whole), text.indexOf(whole) + 20))}… (write $$ for a $)`)
    const value = vars[name]
    const missing = value === undefined || (colon === ':' && value === '')
    if (op === undefined || !missing) return value ?? ''
    if (op === '-') return arg ?? ''
    throw new Error(`docker-compose.yml: required variable ${name} is missing: ${arg ?? ''}`)
  })
}

/** A service's environment as its container gets it: every value interpolated and a string. */
export function serviceEnv(compose: ComposeFile, name: string, vars: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(service(compose, name).environment ?? {})) {
    env[key] = value === null ? '' : interpolate(String(value), vars)
  }
  return env
}

/** The service's `command` argv, interpolated. */
export function serviceCommand(compose: ComposeFile, name: string, vars: Readonly<Record<string, string>>): string[] {
  const command = service(compose, name).command
  if (command === undefined) throw new Error(`service ${name} has no command`)
  return command.map((a) => interpolate(String(a), vars))
}

/** The health check's argv (its `CMD` form, without the `CMD`), interpolated. */
export function healthcheckCommand(compose: ComposeFile, name: string, vars: Readonly<Record<string, string>>): string[] {
  const test = service(compose, name).healthcheck?.test
  if (test === undefined || test[0] !== 'CMD') throw new Error(`service ${name} has no health check in CMD form`)
  return test.slice(1).map((a) => interpolate(String(a), vars))
}

/**
 * The environment variables of a service that have no comment of their own (on the line or lines
 * above, or at the end of the line), including those merged in from an `x-` block.
 */
export function undocumentedVariables(compose: ComposeFile, name: string): string[] {
  const env = compose.doc.getIn(['services', name, 'environment'])
  if (env === undefined) return []
  if (!isMap(env)) throw new Error(`service ${name}: environment is not a map`)
  return undocumentedIn(compose.doc, env)
}

function undocumentedIn(doc: Document, map: YAMLMap): string[] {
  const out: string[] = []
  map.items.forEach((pair, i) => {
    if (isAlias(pair.value) && isScalar(pair.key) && typeof pair.key.value === 'symbol') {
      const merged = pair.value.resolve(doc)
      if (isMap(merged)) out.push(...undocumentedIn(doc, merged))
      return
    }
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
    // The yaml parser gives the comment above a map's first key to the map itself.
    const before = isScalar(pair.key) ? pair.key.commentBefore : undefined
    const inline = isScalar(pair.value) ? pair.value.comment : undefined
    const above = i === 0 ? (before ?? map.commentBefore) : before
    if ((above ?? '').trim() === '' && (inline ?? '').trim() === '') out.push(key)
  })
  return out
}

/** `volume:/path` mounts of a service, as container path → volume name. */
export function mounts(compose: ComposeFile, name: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const v of service(compose, name).volumes ?? []) {
    const [volume, path] = v.split(':')
    if (volume !== undefined && path !== undefined) out.set(path, volume)
  }
  return out
}

/** The named volume and its mount point holding a container path (the deepest mount containing it). */
export function volumeOf(compose: ComposeFile, name: string, path: string): { volume: string; target: string } | undefined {
  let best: { volume: string; target: string } | undefined
  for (const [target, volume] of mounts(compose, name)) {
    const rel = relative(target, path)
    if (!rel.startsWith('..') && (best === undefined || target.length > best.target.length)) best = { volume, target }
  }
  return best
}

export interface ThisMachine {
  /** What the operator's `.env` holds. */
  dotEnv: Readonly<Record<string, string>>
  /** Each named volume becomes a folder of this name under here. */
  volumesDir: string
  /** Where the broker process listens (needed by every service but the broker). */
  brokerPort?: number
  /** A Debian influxd 1.x (test/support/influxd.ts). */
  influxUrl: string
  /** `database/retention-policy` on that influxd. */
  influxBucket: string
}

/**
 * A service's compose environment, changed only where a container and a process on this machine
 * must differ: loopback and port 0 instead of every interface and published ports, the broker's and
 * influxd's real addresses instead of compose's host names, a folder per named volume, and Debian's
 * influxd 1.6 instead of InfluxDB 2.x (`api v1`, a `database/retention-policy` bucket). Everything
 * else is passed as the file has it.
 */
export function envOnThisMachine(compose: ComposeFile, name: string, m: ThisMachine): Record<string, string> {
  const env = serviceEnv(compose, name, m.dotEnv)
  for (const [key, value] of Object.entries(env)) {
    if (key === 'GEOWARN_MQTT_HOST' || key === 'GEOWARN_HTTP_HOST') env[key] = '127.0.0.1'
    else if (key === 'GEOWARN_MQTT_PORT' || key === 'GEOWARN_MQTT_WS_PORT' || key === 'GEOWARN_HTTP_PORT') env[key] = '0'
    else if (key === 'GEOWARN_MQTT_URL') {
      if (m.brokerPort === undefined) throw new Error(`${name} needs the broker's port`)
      env[key] = value.replace(/\/\/broker:1883\b/, `//127.0.0.1:${m.brokerPort}`)
    } else if (key === 'GEOWARN_INFLUX_URL') env[key] = m.influxUrl
    else if (key === 'GEOWARN_INFLUX_API') env[key] = 'v1'
    else if (key === 'GEOWARN_INFLUX_BUCKET') env[key] = m.influxBucket
    else if (value.startsWith('/')) {
      const on = volumeOf(compose, name, value)
      if (on !== undefined) env[key] = join(m.volumesDir, on.volume, relative(on.target, value))
    }
  }
  return env
}

/** The log line each service writes once it serves (its ready line). */
const READY_LINE: Readonly<Record<string, string>> = Object.freeze({
  broker: 'broker listening',
  ingest: 'subscribed',
  rules: 'rules engine consuming',
  dashboard: 'dashboard listening'
})

/**
 * The compose services on this machine: each service's compose `command` in the application folder
 * (test/support/processes.ts buildServices) with envOnThisMachine(), tracked by one ProcessGroup.
 */
export class LocalStack {
  brokerPort: number | undefined
  readonly #compose: ComposeFile
  readonly #group: ProcessGroup
  readonly #app: string
  readonly #machine: Omit<ThisMachine, 'brokerPort'>

  constructor(compose: ComposeFile, group: ProcessGroup, app: string, machine: Omit<ThisMachine, 'brokerPort'>) {
    this.#compose = compose
    this.#group = group
    this.#app = app
    this.#machine = machine
  }

  get app(): string {
    return this.#app
  }

  env(name: string): Record<string, string> {
    return envOnThisMachine(this.#compose, name, { ...this.#machine, ...(this.brokerPort === undefined ? {} : { brokerPort: this.brokerPort }) })
  }

  /** The one-shot `init` service: its command, run to its end; throws on a non-zero exit. */
  async init(): Promise<RunResult> {
    const r = await runCommand(serviceCommand(this.#compose, 'init', this.#machine.dotEnv), { cwd: this.#app, env: this.env('init') })
    if (r.code !== 0) throw new Error(`init exited with ${r.code ?? r.signal}:\n${r.output}`)
    return r
  }

  /** Start a service and wait for its ready line; `extraEnv` is for what a test must bound (and says why). */
  async start(name: string, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
    const ready = READY_LINE[name]
    if (ready === undefined) throw new Error(`no ready line known for ${name}`)
    const p = await this.#group.start({
      name,
      command: serviceCommand(this.#compose, name, this.#machine.dotEnv),
      cwd: this.#app,
      env: { ...this.env(name), ...extraEnv },
      ready: (r) => r.msg === ready
    })
    if (name === 'broker') this.brokerPort = loggedPort(await p.waitForLog((r) => r.msg === ready, ready), 'mqttPort')
    return p
  }
}
