/**
 * Rain events and their intensity–duration rating (domain.md §3 "Rainfall").
 *
 * An event starts with the first rain after a dry spell (default 6 h, our choice, configurable) and
 * ends when a dry spell follows. The dry spell is measured from the end of the last rainy period to
 * the start of the next one (a reading's period runs from the gauge's previous reading to its own
 * time, see rain-windows.ts). D is from the event's first rain to its last rain, I = total / D.
 * Totals are integer thousandths of a mm, like the windows.
 */

const HOUR_MS = 3_600_000

export class RainEvent {
  private readonly dryMs: number
  private startMs = Number.NaN
  private lastRainMs = Number.NEGATIVE_INFINITY
  private newestMs = Number.NEGATIVE_INFINITY
  private totalMilli = 0

  constructor(dryMs: number) {
    if (!(dryMs > 0)) throw new Error('a dry spell must be positive')
    this.dryMs = dryMs
  }

  /**
   * One reading's change of rain over its period (fromMs, tsMs], in thousandths of a mm (negative
   * when a redelivery lowered an amount). A late reading joins the event it falls in, or is ignored
   * when it belongs to an earlier one.
   */
  add(fromMs: number, tsMs: number, deltaMilli: number): void {
    if (tsMs > this.newestMs) this.newestMs = tsMs
    if (deltaMilli === 0) return
    if (deltaMilli < 0) {
      if (tsMs >= this.startMs && tsMs <= this.lastRainMs) this.totalMilli = Math.max(0, this.totalMilli + deltaMilli)
      return
    }
    if (Number.isNaN(this.startMs) || (tsMs > this.lastRainMs && fromMs - this.lastRainMs >= this.dryMs)) {
      this.startMs = fromMs
      this.lastRainMs = tsMs
      this.totalMilli = deltaMilli
      return
    }
    // An earlier event's late reading: a dry spell lies between it and this event.
    if (this.startMs - tsMs >= this.dryMs) return
    this.totalMilli += deltaMilli
    if (fromMs < this.startMs) this.startMs = fromMs
    if (tsMs > this.lastRainMs) this.lastRainMs = tsMs
  }

  /** An event has begun and no dry spell has followed its last rain by the newest reading. */
  get running(): boolean {
    return !Number.isNaN(this.startMs) && this.newestMs - this.lastRainMs < this.dryMs
  }

  get startAtMs(): number {
    return this.startMs
  }

  /** Rain of the current (or last) event, mm. */
  get totalMm(): number {
    return this.totalMilli / 1000
  }

  /** D: first to last rain of the current (or last) event, hours; 0 for a single point reading. */
  get durationH(): number {
    return Number.isNaN(this.startMs) ? 0 : (this.lastRainMs - this.startMs) / HOUR_MS
  }

  /** I = total / D, mm/h; 0 when D is 0. */
  get meanIntensityMmPerH(): number {
    const d = this.durationH
    return d > 0 ? this.totalMm / d : 0
  }
}

/** An intensity–duration threshold I = scale · D^exponent (I in mm/h, D in h). */
export interface IdCurve {
  scaleMmPerH: number
  exponent: number
  /** The duration range the curve was fitted on (and our minimum event duration), hours. */
  minDurationH: number
  maxDurationH: number
}

/**
 * The curve's intensity at `durationH`, or NaN where it does not rate: D below the minimum (I = P/D
 * explodes as D → 0) or beyond the range the curve was fitted on.
 */
export function curveIntensityMmPerH(curve: IdCurve, durationH: number): number {
  if (!(durationH >= curve.minDurationH) || durationH > curve.maxDurationH) return Number.NaN
  return curve.scaleMmPerH * Math.pow(durationH, curve.exponent)
}

/** Does an event of mean intensity I over D reach the curve? */
export function reachesCurve(curve: IdCurve, intensityMmPerH: number, durationH: number): boolean {
  const threshold = curveIntensityMmPerH(curve, durationH)
  return intensityMmPerH >= threshold
}
