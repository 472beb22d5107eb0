import { DZT_FRAME_TYPE, type DeviceImport } from '../domain/index.js'
import { encodeDztData, encodeDztStatus, type DztVendorStyle, type OutMessage } from './encode-dzt.js'
import { encodeNativeData, encodeNativeStatus } from './encode-native.js'
import { uniform } from './prng.js'
import type { Scenario } from './scenario.js'
import type { SitePlan } from './site-plan.js'
import { sampleSensor, type SampleContext, type SensorSample } from './station.js'
import { sampleStatus } from './status.js'

/** One simulated device: its registry record, its site's plan and its vendor's habits. */
export interface SimDevice {
  device: DeviceImport
  plan: SitePlan
  style: DztVendorStyle
  /** DZ/T devices that send live values as type-1 frames (the broker stamps them on receipt). */
  livePlain: boolean
}

export function simDevice(scenario: Scenario, device: DeviceImport, plan: SitePlan): SimDevice {
  const u = (what: string) => uniform(scenario.seed, `${device.id}/${what}`)
  return {
    device,
    plan,
    style: { tiltTrend: u('trend') < 0.3, signalTypo: u('typo') < 0.25 },
    livePlain: device.dialect === 'dzt0450' && u('plain') < scenario.dztPlainShare
  }
}

/** Report times: whole multiples of the interval in (afterMs, uptoMs], as firmware aligns them. */
export function alignedTimes(afterMs: number, uptoMs: number, intervalMs: number): number[] {
  const times: number[] = []
  for (let t = (Math.floor(afterMs / intervalMs) + 1) * intervalMs; t <= uptoMs; t += intervalMs) times.push(t)
  return times
}

/** The next report time strictly after `afterMs`. */
export function nextAlignedTime(afterMs: number, intervalMs: number): number {
  return (Math.floor(afterMs / intervalMs) + 1) * intervalMs
}

/**
 * Every sensor's sample at each time; `prevMs` is the report before the first time. GNSS sensors
 * only at whole multiples of `gnssIntervalMs` (a receiver needs minutes per solution).
 */
export function collectSamples(ctx: SampleContext, sim: SimDevice, times: readonly number[], prevMs: number, gnssIntervalMs = 0): SensorSample[] {
  const samples: SensorSample[] = []
  let prev = prevMs
  for (const t of times) {
    for (const sensor of sim.device.sensors) {
      if (sensor.type === 'gnss' && gnssIntervalMs > 0 && t % gnssIntervalMs !== 0) continue
      const s = sampleSensor(ctx, sim.plan, sim.device.id, sensor, t, prev)
      if (s !== undefined) samples.push(s)
    }
    prev = t
  }
  return samples
}

export interface Upload {
  messages: OutMessage[]
  /** Native messages consume sequence numbers; the caller adds this to its counter. */
  seqUsed: number
}

/**
 * A buffered upload: the samples at `times` in one timestamped message (DZ/T type 2 or a native
 * batch), then the status heartbeat at the last time.
 */
export function bufferedUpload(ctx: SampleContext, sim: SimDevice, times: readonly number[], prevMs: number, seq: number): Upload {
  const last = times.at(-1)
  if (last === undefined) return { messages: [], seqUsed: 0 }
  const samples = collectSamples(ctx, sim, times, prevMs)
  const status = sampleStatus(ctx, sim.plan, sim.device, last)
  if (sim.device.dialect === 'native') {
    const data = encodeNativeData(sim.device.id, samples, seq)
    return { messages: [...data, encodeNativeStatus(sim.device.id, status)], seqUsed: data.length }
  }
  const data = encodeDztData(sim.device.id, samples, DZT_FRAME_TYPE.timed, sim.style)
  return { messages: [...data, encodeDztStatus(sim.device.id, status, DZT_FRAME_TYPE.timed, sim.style)], seqUsed: 0 }
}

/** A live report at `tMs`: the values of that instant, plus the heartbeat when one is due. */
export function liveUpload(
  ctx: SampleContext,
  sim: SimDevice,
  tMs: number,
  prevMs: number,
  opts: { withStatus: boolean; seq: number; gnssIntervalMs: number }
): Upload {
  const { withStatus, seq } = opts
  const samples = collectSamples(ctx, sim, [tMs], prevMs, opts.gnssIntervalMs)
  const messages: OutMessage[] = []
  let seqUsed = 0
  if (sim.device.dialect === 'native') {
    if (samples.length > 0) {
      const data = encodeNativeData(sim.device.id, samples, seq)
      messages.push(...data)
      seqUsed = data.length
    }
    if (withStatus) messages.push(encodeNativeStatus(sim.device.id, sampleStatus(ctx, sim.plan, sim.device, tMs)))
    return { messages, seqUsed }
  }
  const frameType = sim.livePlain ? DZT_FRAME_TYPE.plain : DZT_FRAME_TYPE.timed
  messages.push(...encodeDztData(sim.device.id, samples, frameType, sim.style))
  if (withStatus) messages.push(encodeDztStatus(sim.device.id, sampleStatus(ctx, sim.plan, sim.device, tMs), frameType, sim.style))
  return { messages, seqUsed: 0 }
}
