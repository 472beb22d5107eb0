/**
 * Effective antecedent rainfall R_eff = Σ_{i=0..n} k^i · P_i over daily sums, P_0 the day in
 * progress (domain.md §3 "Rainfall"; default k = 0.8, n = 15 d, configurable). Shown to officers
 * as a value; no sourced level thresholds exist.
 *
 * A ring of n + 1 daily sums in integer thousandths of a mm. A reading's rain counts on the day its
 * period ends (its timestamp); days begin at `dayStartMs` past midnight UTC. Days without readings
 * are zero; a reading older than day n is ignored.
 */

const DAY_MS = 86_400_000

export class AntecedentRain {
  private readonly dayStartMs: number
  private readonly weights: Float64Array
  private readonly daysMilli: Float64Array
  private today = Number.NEGATIVE_INFINITY
  /** Σ_{i≥1} k^i·P_i (thousandths): changes only with the day or a late reading. */
  private pastMilli = 0

  constructor(k: number, days: number, dayStartMs = 0) {
    if (!(k > 0 && k <= 1)) throw new Error('k must be in (0, 1]')
    if (!Number.isInteger(days) || days < 0) throw new Error('days must be a whole number ≥ 0')
    this.dayStartMs = dayStartMs
    this.weights = new Float64Array(days + 1)
    for (let i = 0; i <= days; i++) this.weights[i] = Math.pow(k, i)
    this.daysMilli = new Float64Array(days + 1)
  }

  /** Hot reload: a new k keeps the daily sums. */
  setK(k: number): void {
    if (!(k > 0 && k <= 1)) throw new Error('k must be in (0, 1]')
    for (let i = 0; i < this.weights.length; i++) this.weights[i] = Math.pow(k, i)
    if (this.today !== Number.NEGATIVE_INFINITY) this.pastMilli = this.weightedPast()
  }

  /** Add a reading's change of rain (thousandths of a mm) on the day of `tsMs`. */
  add(tsMs: number, deltaMilli: number): void {
    // (start, start + 1 day]: a reading at the day's first instant closes the previous day's period.
    const day = Math.ceil((tsMs - this.dayStartMs) / DAY_MS) - 1
    const n = this.daysMilli.length
    if (day > this.today) {
      const fresh = this.today === Number.NEGATIVE_INFINITY ? n : Math.min(day - this.today, n)
      for (let i = 1; i <= fresh; i++) this.daysMilli[slot(day - fresh + i, n)] = 0
      this.today = day
      this.pastMilli = this.weightedPast()
    }
    const age = this.today - day
    if (age >= n) return
    const s = slot(day, n)
    this.daysMilli[s] = (this.daysMilli[s] as number) + deltaMilli
    if (age > 0) this.pastMilli += (this.weights[age] as number) * deltaMilli
  }

  /** R_eff in mm as of the newest day seen; 0 before any reading. */
  effectiveMm(): number {
    if (this.today === Number.NEGATIVE_INFINITY) return 0
    return ((this.daysMilli[slot(this.today, this.daysMilli.length)] as number) + this.pastMilli) / 1000
  }

  private weightedPast(): number {
    const n = this.daysMilli.length
    let sum = 0
    for (let i = 1; i < n; i++) sum += (this.weights[i] as number) * (this.daysMilli[slot(this.today - i, n)] as number)
    return sum
  }

  /** P_i: the rain of day `today − i`, mm. */
  dayMm(i: number): number {
    const n = this.daysMilli.length
    if (this.today === Number.NEGATIVE_INFINITY || i < 0 || i >= n) return 0
    return (this.daysMilli[slot(this.today - i, n)] as number) / 1000
  }
}

function slot(day: number, n: number): number {
  return ((day % n) + n) % n
}
