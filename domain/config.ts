import { z } from 'zod'
import { fail, ok, type Result } from './result.js'

/** Bad configuration: the process must not start. Lists every problem; never carries a secret. */
export class ConfigError extends Error {
  readonly code = 'GH_ERR_CONFIG'
  constructor(
    readonly problems: string[],
    subject = 'configuration'
  ) {
    super(`invalid ${subject}:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

/**
 * The secret the services (`svc:ingest`, `svc:rules`, `svc:dashboard`) log in to the broker with.
 * One rule for all of them, so a secret the broker accepts is never refused by a service. 16
 * characters is our floor; `geowarn start` generates 32 when none is set.
 */
export const serviceSecretSchema = z.string().min(16, 'a service secret needs at least 16 characters')

/** The environment variable behind a config field; a secret's value is never echoed. */
export type EnvVar = string | { readonly name: string; readonly secret: true }
/**
 * Config field path (`mqttPort`, `services.ingest`) → its variable. An issue deeper than a listed
 * path (`sites.2`) is reported under the nearest listed prefix (`sites`).
 */
export type EnvVars = Readonly<Record<string, EnvVar>>

export function secretVar(name: string): EnvVar {
  return { name, secret: true }
}

/** A variable's value, trimmed; unset and blank are both "not given", so the default applies. */
export function envString(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

/** 1/true/yes and 0/false/no; anything else stays text, so the schema reports it. */
export function envBoolean(v: string | undefined): boolean | string | undefined {
  const s = envString(v)?.toLowerCase()
  if (s === undefined) return undefined
  if (['1', 'true', 'yes'].includes(s)) return true
  if (['0', 'false', 'no'].includes(s)) return false
  return s
}

/** A number when the text is one, else the text itself, so the schema reports it as given. */
export function envNumber(v: string | undefined): number | string | undefined {
  const s = envString(v)
  return s !== undefined && /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s
}

/** Comma-separated list; blanks dropped; undefined when empty, so the default applies. */
export function envList(v: string | undefined): string[] | undefined {
  const items = (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return items.length > 0 ? items : undefined
}

/**
 * The broker URL: `urlVar` if set, else `mqtt://127.0.0.1:<GEOWARN_MQTT_PORT>`, else undefined (the
 * default applies). `name` is the variable the value came from; a bad port is a problem of its own.
 */
export function envMqttUrl(env: Readonly<Record<string, string | undefined>>, urlVar: string): { url: string | undefined; name: string; problems: string[] } {
  const url = envString(env[urlVar])
  const port = envString(env.GEOWARN_MQTT_PORT)
  if (url !== undefined || port === undefined) return { url, name: urlVar, problems: [] }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) {
    return { url: undefined, name: 'GEOWARN_MQTT_PORT', problems: [`GEOWARN_MQTT_PORT: a port is 0–65535 (got ${JSON.stringify(port.slice(0, 40))})`] }
  }
  return { url: `mqtt://127.0.0.1:${port}`, name: 'GEOWARN_MQTT_PORT', problems: [] }
}

/** Each issue as `GEOWARN_X: <message> (got "<value>")`; the value is left out for secrets and missing values. */
export function envProblems(error: z.ZodError, raw: unknown, vars: EnvVars): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String)
    const v = lookupVar(path, vars)
    const name = v === undefined ? path.join('.') || '(config)' : typeof v === 'string' ? v : v.name
    const given = path.reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), raw)
    if (given === undefined) return issue.code === 'invalid_type' ? `${name}: is required` : `${name}: ${issue.message}`
    // zod's "Invalid input: expected number, received NaN" reads oddly next to the text we were given.
    const message = issue.code === 'invalid_type' ? `expected a ${issue.expected}` : issue.message
    // Never echo a secret, even a wrong one.
    if (typeof v === 'object') return `${name}: ${message}`
    return `${name}: ${message} (got ${JSON.stringify(String(given).slice(0, 40))})`
  })
}

/** Validate an env-derived object; every problem in the failure (after `earlier` ones), named by its variable. */
export function checkEnvConfig<S extends z.ZodType>(schema: S, raw: unknown, vars: EnvVars, earlier: readonly string[] = []): Result<z.output<S>, string[]> {
  const parsed = schema.safeParse(raw)
  const problems = [...earlier, ...(parsed.success ? [] : envProblems(parsed.error, raw, vars))]
  return parsed.success && problems.length === 0 ? ok(parsed.data) : fail(problems)
}

/** As checkEnvConfig, for `loadConfig(env)`: throws a ConfigError naming the service. */
export function parseEnvConfig<S extends z.ZodType>(schema: S, raw: unknown, vars: EnvVars, service: string, earlier: readonly string[] = []): z.output<S> {
  const r = checkEnvConfig(schema, raw, vars, earlier)
  if (!r.ok) throw new ConfigError(r.reason, `${service} configuration`)
  return r.value
}

function lookupVar(path: readonly string[], vars: EnvVars): EnvVar | undefined {
  for (let n = path.length; n > 0; n--) {
    const v = vars[path.slice(0, n).join('.')]
    if (v !== undefined) return v
  }
  return undefined
}
