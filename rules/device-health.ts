/**
 * Device health timers (domain.md §3 "Device health"), pure: the shell keeps the last-seen times
 * and calls these on its own timer with `nowMs`. A device that sent nothing (reading or status) for
 * 125 min is offline: 120 min longest reporting interval + 5 min transfer (Guangdong draft
 * standard). A site whose online rate over a period is below 70 % is non-compliant (same source).
 */

export const OFFLINE_LIMIT_MS = 125 * 60_000
/** Guangdong draft standard: site online rate < 70 % in a period → non-compliant. */
export const MIN_ONLINE_RATE = 0.7

/** The devices not heard of for `limitMs` or longer at `nowMs`, in id order. */
export function offlineDevices(lastSeenByDevice: ReadonlyMap<string, number>, nowMs: number, limitMs = OFFLINE_LIMIT_MS): string[] {
  const out: string[] = []
  for (const [deviceId, lastMs] of lastSeenByDevice) if (nowMs - lastMs >= limitMs) out.push(deviceId)
  return out.sort()
}

export interface OnlineRate {
  online: number
  total: number
  /** online / total; 1 for a site without devices (nothing is missing). */
  rate: number
  compliant: boolean
}

/**
 * Online rate of a site's devices at `nowMs`: a device never heard of counts as offline.
 * `deviceIds` are the site's registered devices.
 */
export function onlineRate(
  deviceIds: readonly string[],
  lastSeenByDevice: ReadonlyMap<string, number>,
  nowMs: number,
  limitMs = OFFLINE_LIMIT_MS,
  minRate = MIN_ONLINE_RATE
): OnlineRate {
  let online = 0
  for (const id of deviceIds) {
    const last = lastSeenByDevice.get(id)
    if (last !== undefined && nowMs - last < limitMs) online++
  }
  const total = deviceIds.length
  const rate = total === 0 ? 1 : online / total
  return { online, total, rate, compliant: rate >= minRate }
}

/**
 * Online rate over a period [fromMs, toMs): the share of device-time covered, a device counting as
 * online for `limitMs` after each time it was heard of. `seenByDevice`: each device's report times,
 * ascending (a registered device with none counts fully offline).
 */
export function periodOnlineRate(
  deviceIds: readonly string[],
  seenByDevice: ReadonlyMap<string, readonly number[]>,
  fromMs: number,
  toMs: number,
  limitMs = OFFLINE_LIMIT_MS,
  minRate = MIN_ONLINE_RATE
): OnlineRate {
  const periodMs = toMs - fromMs
  if (!(periodMs > 0)) throw new Error('the period must end after it starts')
  let coveredMs = 0
  let online = 0
  for (const id of deviceIds) {
    let covered = 0
    let until = fromMs
    for (const t of seenByDevice.get(id) ?? []) {
      const a = Math.max(t, until, fromMs)
      const b = Math.min(t + limitMs, toMs)
      if (b > a) covered += b - a
      if (b > until) until = b
    }
    coveredMs += covered
    if (covered / periodMs >= minRate) online++
  }
  const total = deviceIds.length
  const rate = total === 0 ? 1 : coveredMs / (total * periodMs)
  return { online, total, rate, compliant: rate >= minRate }
}
