import { DP_TOPIC, idSchema, parseSiteTopic, topics, type DevicePlacement } from '../domain/index.js'

/**
 * Topic ACL (design.md "Topics"): deny by default. Pure: a principal and a topic in, a verdict out.
 * The broker's own publishes (canonical uplinks, presence) go through `aedes.publish`, which
 * bypasses this table, so nobody else can ever publish `gh/up/…` or `gh/presence/…`.
 */
export const SERVICE_ROLES = ['ingest', 'rules', 'dashboard'] as const
export type ServiceRole = (typeof SERVICE_ROLES)[number]

export type Principal =
  | { kind: 'device'; placement: DevicePlacement }
  | { kind: 'service'; role: ServiceRole }

export function isServiceRole(name: string): name is ServiceRole {
  return (SERVICE_ROLES as readonly string[]).includes(name)
}

/**
 * Whole subtrees of the canonical topics (domain/topics.ts `filters` builds the partitioned
 * filters inside them, e.g. `gh/up/+/+/#`, which these cover).
 */
const TREE = Object.freeze({ up: 'gh/up/#', presence: 'gh/presence/#', alert: 'gh/alert/#', alertState: 'gh/alert-state/#', sys: 'gh/sys/#' })

/** What each service may subscribe to; a request passes when one of these covers it. */
const SERVICE_SUBSCRIBE: Readonly<Record<ServiceRole, readonly string[]>> = Object.freeze({
  ingest: [TREE.up],
  // gh/alert: rules hears the officers' acknowledge/escalate/resolve (叫应 stops on acknowledgement).
  rules: [TREE.up, TREE.presence, TREE.alert, TREE.alertState],
  // gh/sys: the other services' health reports, for the health page and /metrics.
  dashboard: [TREE.alert, TREE.alertState, TREE.up, TREE.presence, TREE.sys]
})

export function canSubscribe(principal: Principal, filter: string): boolean {
  if (principal.kind === 'device') {
    const id = principal.placement.deviceId
    // Exact equality: any wildcard filter (`gh/dev/+/cmd`, `#`) is refused.
    return filter === topics.nativeCommand(id) || filter === topics.dztCommand(id) || filter === topics.dztFirmware(id)
  }
  return SERVICE_SUBSCRIBE[principal.role].some((allowed) => filterCovers(allowed, filter))
}

export function canPublish(principal: Principal, topic: string): boolean {
  if (principal.kind === 'device') {
    const id = principal.placement.deviceId
    return topic === topics.nativeData(id) || topic === topics.nativeStatus(id) || topic === DP_TOPIC
  }
  if (isOwnHealthTopic(principal.role, topic)) return true
  if (principal.role === 'dashboard') return isSiteTopic(topic)
  if (principal.role !== 'rules') return false
  return isRulesTopic(topic)
}

/** A service reports its own health under its own role only: ingest cannot speak for rules. */
function isOwnHealthTopic(role: ServiceRole, topic: string): boolean {
  const p = topic.split('/')
  return p.length === 4 && p[0] === 'gh' && p[1] === 'sys' && p[2] === role && role !== 'dashboard' && isId(p[3])
}

/**
 * The dashboard publishes the officers' lifecycle actions (acknowledged, escalated, resolved) as
 * alert events, so that rules and every other dashboard instance hear them, and the site's state
 * when an officer closes its alert; nothing else.
 */
function isSiteTopic(topic: string): boolean {
  const p = topic.split('/')
  if (p[0] !== 'gh' || (p[1] !== 'alert' && p[1] !== 'alert-state')) return false
  const site = parseSiteTopic(topic, p[1])
  return site.ok && site.value.county.startsWith(site.value.prov) && isId(site.value.siteId)
}

/** Rules publishes alerts, site states, public warnings and commands to concrete devices. */
function isRulesTopic(topic: string): boolean {
  const p = topic.split('/')
  if (p[0] === 'gh' && (p[1] === 'alert' || p[1] === 'alert-state')) return isSiteTopic(topic)
  if (p.length === 4 && p[0] === 'gh' && p[1] === 'public') {
    return /^\d{6}$/.test(p[2] ?? '') && isId(p[3])
  }
  if (p.length === 4 && p[0] === 'gh' && p[1] === 'dev' && p[3] === 'cmd') return isId(p[2])
  if (p.length === 3 && p[0] === '$creq' && p[2] === 'cmd') return isId(p[1])
  return false
}

function isId(level: string | undefined): boolean {
  return level !== undefined && idSchema.safeParse(level).success
}

/**
 * Whether every topic matched by `requested` is also matched by `allowed` (MQTT 3.1.1 §4.7
 * wildcards). A wildcard request is thus checked as a filter, not as a literal string.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  const a = allowed.split('/')
  const r = requested.split('/')
  for (const [i, rl] of r.entries()) {
    const al = a[i]
    if (al === undefined) return false
    if (al === '#') return true
    if (rl === '#') return false
    if (al === '+') continue
    if (rl !== al) return false
  }
  if (a.length === r.length) return true
  // `gh/up/#` also matches its parent `gh/up` [MQTT-4.7.1-2].
  return a.length === r.length + 1 && a[r.length] === '#'
}
