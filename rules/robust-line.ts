/**
 * Allocation-free robust statistics for the displacement gross-error filter (domain.md §3: "robust
 * to outliers: median/IQR filter on GNSS"; "gross error: |x − median| > 3σ → reject"). The callers
 * own the scratch arrays; nothing here allocates.
 */

/** 1.4826·MAD estimates σ of normal noise. */
export const MAD_TO_SIGMA = 1.4826

/** Median of a[0..n), reordering a in place (Hoare quickselect). NaN when n = 0. */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n <= 0) return Number.NaN
  const mid = n >> 1
  select(a, n, mid)
  const upper = a[mid] as number
  if ((n & 1) === 1) return upper
  // Even: after the selection a[0..mid) are all ≤ a[mid]; the lower middle is their maximum.
  let lower = a[0] as number
  for (let i = 1; i < mid; i++) if ((a[i] as number) > lower) lower = a[i] as number
  return (lower + upper) / 2
}

function select(a: Float64Array, n: number, k: number): void {
  let lo = 0
  let hi = n - 1
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1] as number
    let i = lo
    let j = hi
    while (i <= j) {
      while ((a[i] as number) < pivot) i++
      while ((a[j] as number) > pivot) j--
      if (i <= j) {
        const x = a[i] as number
        a[i] = a[j] as number
        a[j] = x
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return
  }
}

/**
 * Robust line through (t, u)[0..n), t strictly increasing: the slope is the median of the slopes
 * between samples half the window apart (each sample is in at most two pairs, so one gross error
 * moves at most two of ~n/2 slopes), the intercept the median of u − b·t. Writes the residuals to
 * `residual` and returns σ = 1.4826·median|residual|.
 */
export function robustResiduals(t: Float64Array, u: Float64Array, n: number, residual: Float64Array, scratch: Float64Array): number {
  const half = n >> 1
  const pairs = n - half
  for (let i = 0; i < pairs; i++) scratch[i] = ((u[i + half] as number) - (u[i] as number)) / ((t[i + half] as number) - (t[i] as number))
  const slope = medianInPlace(scratch, pairs)
  for (let i = 0; i < n; i++) scratch[i] = (u[i] as number) - slope * (t[i] as number)
  const intercept = medianInPlace(scratch, n)
  for (let i = 0; i < n; i++) {
    const r = (u[i] as number) - intercept - slope * (t[i] as number)
    residual[i] = r
    scratch[i] = Math.abs(r)
  }
  return MAD_TO_SIGMA * medianInPlace(scratch, n)
}
