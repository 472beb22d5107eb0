import { fail, ok, type Result } from './result.js'

/**
 * Every topic is built and parsed here (design.md "Topics"). `prov` is the 2-digit province
 * prefix, `county` the 6-digit GB/T 2260 code.
 */
export const DP_TOPIC = '$dp'
export const UPLINK_KINDS = ['data', 'status', 'dp'] as const
export type UplinkKind = (typeof UPLINK_KINDS)[number]

export interface UplinkTopic {
  prov: string
  county: string
  siteId: string
  deviceId: string
  kind: UplinkKind
}

export interface SiteTopic {
  prov: string
  county: string
  siteId: string
}

export const topics = Object.freeze({
  nativeData: (deviceId: string) => `gh/dev/${deviceId}/data`,
  nativeStatus: (deviceId: string) => `gh/dev/${deviceId}/status`,
  nativeCommand: (deviceId: string) => `gh/dev/${deviceId}/cmd`,
  dztCommand: (deviceId: string) => `$creq/${deviceId}/cmd`,
  dztFirmware: (deviceId: string) => `$creq/${deviceId}/firmware`,
  uplink: (t: UplinkTopic) => `gh/up/${t.prov}/${t.county}/${t.siteId}/${t.deviceId}/${t.kind}`,
  presence: (t: Omit<UplinkTopic, 'kind'>) => `gh/presence/${t.prov}/${t.county}/${t.siteId}/${t.deviceId}`,
  alert: (t: SiteTopic) => `gh/alert/${t.prov}/${t.county}/${t.siteId}`,
  alertState: (t: SiteTopic) => `gh/alert-state/${t.prov}/${t.county}/${t.siteId}`,
  publicWarning: (county: string, groupId: string) => `gh/public/${county}/${groupId}`,
  serviceHealth: (service: string, instance: string) => `gh/sys/${service}/${instance}`
})

/** Subscription filters. A consumer partitions by province (and county) with the narrower ones. */
export const filters = Object.freeze({
  uplinks: (prov = '+', county = '+') => `gh/up/${prov}/${county}/#`,
  presence: (prov = '+') => `gh/presence/${prov}/#`,
  alerts: (prov = '+') => `gh/alert/${prov}/#`,
  alertStates: (prov = '+') => `gh/alert-state/${prov}/#`,
  serviceHealth: () => 'gh/sys/+/+'
})

export type DeviceTopic =
  | { kind: 'native-data'; deviceId: string }
  | { kind: 'native-status'; deviceId: string }
  | { kind: 'dp' }

/** Topics devices publish on, before the broker rewrites them. */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  if (topic === DP_TOPIC) return { kind: 'dp' }
  const p = topic.split('/')
  if (p.length === 4 && p[0] === 'gh' && p[1] === 'dev' && p[2] !== '') {
    if (p[3] === 'data') return { kind: 'native-data', deviceId: p[2] as string }
    if (p[3] === 'status') return { kind: 'native-status', deviceId: p[2] as string }
  }
  return undefined
}

export function parseUplinkTopic(topic: string): Result<UplinkTopic> {
  const p = topic.split('/')
  if (p.length !== 7 || p[0] !== 'gh' || p[1] !== 'up') return fail(`not an uplink topic: ${topic.slice(0, 120)}`)
  const [, , prov, county, siteId, deviceId, kind] = p as [string, string, string, string, string, string, string]
  if (!/^\d{2}$/.test(prov) || !/^\d{6}$/.test(county) || !county.startsWith(prov)) return fail(`bad region in ${topic.slice(0, 120)}`)
  if (!(UPLINK_KINDS as readonly string[]).includes(kind)) return fail(`unknown uplink kind ${kind}`)
  if (siteId === '' || deviceId === '') return fail('empty site or device id')
  return ok({ prov, county, siteId, deviceId, kind: kind as UplinkKind })
}

export function parseSiteTopic(topic: string, root: 'alert' | 'alert-state'): Result<SiteTopic> {
  const p = topic.split('/')
  if (p.length !== 5 || p[0] !== 'gh' || p[1] !== root) return fail(`not a gh/${root} topic: ${topic.slice(0, 120)}`)
  const [, , prov, county, siteId] = p as [string, string, string, string, string]
  if (!/^\d{2}$/.test(prov) || !/^\d{6}$/.test(county)) return fail(`bad region in ${topic.slice(0, 120)}`)
  return ok({ prov, county, siteId })
}

export function parsePresenceTopic(topic: string): Result<Omit<UplinkTopic, 'kind'>> {
  const p = topic.split('/')
  if (p.length !== 6 || p[0] !== 'gh' || p[1] !== 'presence') return fail(`not a presence topic: ${topic.slice(0, 120)}`)
  const [, , prov, county, siteId, deviceId] = p as [string, string, string, string, string, string]
  return ok({ prov, county, siteId, deviceId })
}

export function parseServiceHealthTopic(topic: string): Result<{ service: string; instance: string }> {
  const p = topic.split('/')
  if (p.length !== 4 || p[0] !== 'gh' || p[1] !== 'sys' || p[2] === '' || p[3] === '') return fail(`not a gh/sys topic: ${topic.slice(0, 120)}`)
  return ok({ service: p[2] as string, instance: p[3] as string })
}
