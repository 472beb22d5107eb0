import { robustResiduals } from './robust-line.js'

/**
 * The sample ring of one displacement channel and its smoothed velocity (domain.md §3): v = ΔU/Δt
 * over real elapsed time, never per sample count, by a trailing least-squares fit. The fit uses the
 * samples of the last `spanMs`; when that holds fewer than `minSamples`, the last `minSamples`
 * within `lookbackMs`; no grade until the fitted samples span `minSpanMs`. GNSS gross errors are
 * rejected before the fit.
 */

const DAY_MS = 86_400_000

export type SeriesAddOutcome = 'added' | 'replaced' | 'duplicate' | 'stale' | 'invalid'

/** `suspect`: the newest sample looks like a gross error; it is judged again once a newer one comes. */
export type FitOutcome = 'fitted' | 'insufficient' | 'suspect'

export interface RegressionSettings {
  spanMs: number
  minSamples: number
  maxSamples: number
  lookbackMs: number
  /** The fitted samples must span at least this (unless the ring is full): 5 samples 5 min apart turn 0.3 mm noise into tens of mm/day. */
  minSpanMs: number
}

export interface GrossErrorSettings {
  /** Reject beyond k·σ, σ = 1.4826·MAD of the residuals against a robust line (domain.md §3: 3σ). */
  k: number
  /** …but never within this many mm of the line, so a perfectly smooth series keeps its samples. */
  floorMm: number
}

/** Below this many samples a median-of-slopes line is not robust: the filter stands aside. */
const MIN_FILTER_SAMPLES = 5
const MAX_FILTER_PASSES = 4

/**
 * A time-ordered ring of the last `maxSamples` samples of one channel. With `grossError` set, each
 * fit first rejects isolated gross errors: a sample whose residual against a robust line of the fit
 * window exceeds max(k·σ, floorMm), unless a neighbour departs to the same side (a real step or
 * acceleration moves consecutive samples together; a bad fix stands alone). Rejected samples are
 * marked in the ring and never used again; the newest sample, having no newer neighbour yet, is only
 * held back (`suspect`) until the next one arrives.
 */
export class DisplacementSeries {
  private readonly ts: Float64Array
  private readonly mm: Float64Array
  private readonly bad: Uint8Array
  private start = 0
  private count = 0
  // Scratch for the fit window (oldest first), preallocated so the hot path allocates nothing.
  /** Days before the newest sample. */
  private readonly winDays: Float64Array
  private readonly winMm: Float64Array
  private readonly winResidual: Float64Array
  private readonly winScratch: Float64Array
  private readonly winSlot: Int32Array
  /** Last fitted velocity, mm/day. */
  velocity = Number.NaN
  /** Its standard error from the fit's residual scatter, mm/day. */
  velocitySe = Number.NaN
  /**
   * The mean time of the fitted samples, epoch ms: a least-squares slope is the velocity there
   * (exactly so for a quadratic), not at the newest sample. Trends of velocity use this time.
   */
  velocityAtMs = Number.NaN
  /** Time covered by the last fit, ms. */
  fitSpanMs = Number.NaN
  /** Samples rejected as gross errors so far. */
  rejected = 0
  /**
   * The last fit's line (its value at its newest sample), kept while the ring only grew at its end:
   * a new sample within half the filter's floor of that line cannot be a gross error, and every
   * older sample was judged already, so the robust filter (the costly part) is skipped.
   */
  private lineOk = false
  private lineAtMs = Number.NaN
  private lineMm = Number.NaN

  constructor(
    private settings: RegressionSettings,
    private grossError?: GrossErrorSettings
  ) {
    const n = settings.maxSamples
    this.ts = new Float64Array(n)
    this.mm = new Float64Array(n)
    this.bad = new Uint8Array(n)
    this.winDays = new Float64Array(n)
    this.winMm = new Float64Array(n)
    this.winResidual = new Float64Array(n)
    this.winScratch = new Float64Array(n)
    this.winSlot = new Int32Array(n)
  }

  /**
   * Hot reload: adopt new fit and gross-error settings, keeping the samples. False when the ring
   * size changes (the samples would not fit): the caller starts a new series.
   */
  retune(settings: RegressionSettings, grossError: GrossErrorSettings | undefined): boolean {
    if (settings.maxSamples !== this.settings.maxSamples) return false
    // The line shortcut vouches for samples under the old filter only.
    if (grossError !== this.grossError) this.lineOk = false
    this.settings = settings
    this.grossError = grossError
    return true
  }

  get size(): number {
    return this.count
  }

  private at(i: number): number {
    return (this.start + i) % this.ts.length
  }

  add(tsMs: number, mm: number): SeriesAddOutcome {
    if (!Number.isFinite(tsMs) || !Number.isFinite(mm)) return 'invalid'
    const cap = this.ts.length
    const newest = this.count === 0 ? Number.NEGATIVE_INFINITY : (this.ts[this.at(this.count - 1)] as number)
    if (tsMs <= newest - this.settings.lookbackMs) return 'stale'
    let p = this.count - 1
    while (p >= 0 && (this.ts[this.at(p)] as number) > tsMs) p--
    if (p >= 0 && this.ts[this.at(p)] === tsMs) {
      const j = this.at(p)
      if (this.mm[j] === mm) return 'duplicate'
      this.mm[j] = mm
      this.bad[j] = 0
      this.lineOk = false
      return 'replaced'
    }
    if (this.count === cap) {
      // Full: the oldest sample goes; a late sample older than all kept ones is of no use.
      if (p < 0) return 'stale'
      this.start = (this.start + 1) % cap
      this.count--
      p--
    }
    for (let i = this.count - 1; i > p; i--) {
      const from = this.at(i)
      const to = this.at(i + 1)
      this.ts[to] = this.ts[from] as number
      this.mm[to] = this.mm[from] as number
      this.bad[to] = this.bad[from] as number
    }
    if (p + 1 < this.count) this.lineOk = false
    const j = this.at(p + 1)
    this.ts[j] = tsMs
    this.mm[j] = mm
    this.bad[j] = 0
    this.count++
    return 'added'
  }

  /** Smoothed velocity at the newest sample, mm/day; NaN unless the fit succeeds. */
  velocityMmPerDay(): number {
    return this.fit() === 'fitted' ? this.velocity : Number.NaN
  }

  /** Fit the trailing window; on `fitted`, `velocity` holds the result. */
  fit(): FitOutcome {
    const g = this.grossError
    if (this.lineOk && g !== undefined) {
      this.lineOk = false
      const j = this.at(this.count - 1)
      const predictedMm = this.lineMm + (this.velocity * ((this.ts[j] as number) - this.lineAtMs)) / DAY_MS
      if (Math.abs((this.mm[j] as number) - predictedMm) <= g.floorMm / 2) {
        const m = this.selectWindow()
        return m === 0 ? 'insufficient' : this.fitWindow(m)
      }
    }
    this.lineOk = false
    for (let pass = 0; pass < MAX_FILTER_PASSES; pass++) {
      const m = this.selectWindow()
      if (m === 0) return 'insufficient'
      const verdict = this.grossError === undefined || m < MIN_FILTER_SAMPLES ? 'clean' : this.rejectGrossErrors(m, this.grossError)
      if (verdict === 'marked') continue
      if (verdict === 'suspect') return 'suspect'
      return this.fitWindow(m)
    }
    return 'insufficient'
  }

  /** Copies the fit window (good samples only) into the scratch arrays; its size, or 0 if too few. */
  private selectWindow(): number {
    const { spanMs, minSamples, lookbackMs } = this.settings
    if (this.count < minSamples) return 0
    const newest = this.ts[this.at(this.count - 1)] as number
    let inSpan = 0
    let inLookback = 0
    for (let i = this.count - 1; i >= 0; i--) {
      const slot = this.at(i)
      const age = newest - (this.ts[slot] as number)
      if (age > lookbackMs) break
      if (this.bad[slot] === 1) continue
      inLookback++
      if (age <= spanMs) inSpan++
    }
    const m = inSpan >= minSamples ? inSpan : Math.min(minSamples, inLookback)
    if (m < minSamples) return 0
    let w = m
    for (let i = this.count - 1; i >= 0 && w > 0; i--) {
      const slot = this.at(i)
      if (this.bad[slot] === 1) continue
      w--
      // Days since the newest sample: small numbers keep the precision of epoch times.
      this.winDays[w] = ((this.ts[slot] as number) - newest) / DAY_MS
      this.winMm[w] = this.mm[slot] as number
      this.winSlot[w] = slot
    }
    return m
  }

  private rejectGrossErrors(m: number, g: GrossErrorSettings): 'clean' | 'marked' | 'suspect' {
    const sigmaMm = robustResiduals(this.winDays, this.winMm, m, this.winResidual, this.winScratch)
    const limitMm = Math.max(g.k * sigmaMm, g.floorMm)
    // A neighbour departing the same way by half the limit marks a real movement: a smooth curve
    // (the rise toward failure) crosses the limit one sample at a time; a bad fix's neighbours stay put.
    const supportMm = limitMm / 2
    const res = this.winResidual
    let marked = false
    // The oldest sample of the window has no older neighbour here; it was judged while in the middle.
    for (let i = 1; i < m; i++) {
      const r = res[i] as number
      if (Math.abs(r) <= limitMm) continue
      const side = r > 0 ? 1 : -1
      if ((res[i - 1] as number) * side > supportMm || (i + 1 < m && (res[i + 1] as number) * side > supportMm)) continue
      if (i === m - 1) return marked ? 'marked' : 'suspect'
      this.bad[this.winSlot[i] as number] = 1
      this.rejected++
      marked = true
    }
    return marked ? 'marked' : 'clean'
  }

  private fitWindow(m: number): FitOutcome {
    const first = this.winSlot[0] as number
    const spanMs = ((this.winDays[m - 1] as number) - (this.winDays[0] as number)) * DAY_MS
    // A full ring at a fast rate may cover less than minSpanMs: grade over what it holds (see rules-default.md).
    const ringLimited = this.count === this.ts.length && first === this.at(0)
    if (spanMs < this.settings.minSpanMs && !ringLimited) return 'insufficient'
    let sumT = 0
    let sumU = 0
    for (let i = 0; i < m; i++) {
      sumT += this.winDays[i] as number
      sumU += this.winMm[i] as number
    }
    const meanT = sumT / m
    const meanU = sumU / m
    let sxx = 0
    let sxy = 0
    let syy = 0
    for (let i = 0; i < m; i++) {
      const dt = (this.winDays[i] as number) - meanT
      const du = (this.winMm[i] as number) - meanU
      sxx += dt * dt
      sxy += dt * du
      syy += du * du
    }
    if (!(sxx > 0)) return 'insufficient'
    this.velocity = sxy / sxx
    this.velocityAtMs = (this.ts[this.at(this.count - 1)] as number) + meanT * DAY_MS
    this.fitSpanMs = spanMs
    // Residual sum of squares = syy − v·sxy; m ≥ 3 (tables.ts) leaves m − 2 degrees of freedom.
    this.velocitySe = Math.sqrt(Math.max(0, syy - this.velocity * sxy) / (m - 2) / sxx)
    // winDays count from the newest sample, so the line's value there is meanU − v·meanT.
    this.lineAtMs = this.ts[this.at(this.count - 1)] as number
    this.lineMm = meanU - this.velocity * meanT
    this.lineOk = true
    return 'fitted'
  }
}
