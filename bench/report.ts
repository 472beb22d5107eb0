import type { Figure, Spread, SuiteResult } from './stats.js'

/** Three significant figures, thousands grouped: `212,000`, `1.84`, `0.0312`. */
function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  if (abs >= 1000) return Math.round(Number(n.toPrecision(3))).toLocaleString('en')
  return Number(n.toPrecision(3)).toString()
}

function cell(s: Spread): string {
  return s.runs > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median)
}

function row(f: Figure): string[] {
  return [f.name, f.unit, cell(f.value), f.baseline ? `${f.baseline.name} ${cell(f.baseline.value)}` : '', f.ratio ? `${fmt(f.ratio.median)}× (${fmt(f.ratio.min)}–${fmt(f.ratio.max)})` : '']
}

/** The human table: one block per suite, medians with min–max over the runs. */
export function formatTable(results: readonly SuiteResult[]): string {
  const header = ['figure', 'unit', 'median (min–max)', 'baseline, same run', 'ratio ours/baseline']
  const lines: string[] = []
  for (const r of results) {
    const rows = [header, ...r.figures.map(row)]
    const widths = header.map((_, i) => Math.max(...rows.map((x) => (x[i] ?? '').length)))
    lines.push(`== ${r.suite} (runs: ${r.figures[0]?.value.runs ?? 0})`)
    for (const x of rows) lines.push(x.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd())
    for (const n of r.notes) lines.push(`   ${n}`)
    lines.push('')
  }
  return lines.join('\n')
}
