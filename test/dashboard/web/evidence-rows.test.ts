import { describe, expect, test } from 'vitest'
import type { Evidence } from '../../../domain/index.js'
import { evidenceRows, evidenceRowsOf, formatThreshold, indicatorName } from '../../../dashboard/web/src/evidence-rows.js'

const AT = Date.parse('2026-07-27T10:00:00Z')
const SHANGHAI = { timeZone: 'Asia/Shanghai' } as const

function ev(indicator: string, value: number, threshold: number, unit: string, extra: Partial<Evidence> = {}): Evidence {
  return { indicator, level: 'orange', deviceId: 'dev-a1', sensorId: 'GP1', value, threshold, unit, at: AT, ...extra }
}

describe('indicatorName', () => {
  test.each([
    ['rain.10min', '10 分钟雨量', '10-min rainfall'],
    ['rain.1h', '1 小时雨量', '1-h rainfall'],
    ['rain.72h', '72 小时雨量', '72-h rainfall'],
    ['rain.3d', '3 日雨量', '3-day rainfall'],
    ['rain.id.guzzetti', '雨强-历时阈值（Guzzetti 全球下限）', 'Intensity–duration threshold (Guzzetti global minimum)'],
    ['rain.id.caine', '雨强-历时阈值（Caine 曲线）', 'Intensity–duration threshold (Caine curve)'],
    ['rain.id.hunan-2020', '雨强-历时阈值（hunan-2020）', 'Intensity–duration threshold (hunan-2020)'],
    ['rain.eff', '有效降雨量（含前期雨量）', 'Effective rainfall (with antecedent rain)'],
    ['displacement.velocity', '位移速率', 'Displacement velocity'],
    ['displacement.tangent-angle', '改进切线角', 'Improved tangent angle'],
    ['displacement.acceleration', '位移加速度', 'Displacement acceleration'],
    ['forecast.inverse-velocity', '速度倒数法失稳预报', 'Inverse-velocity failure forecast'],
    ['forecast.inverse-velocity.r2', '失稳预报拟合优度', 'Failure forecast fit R²'],
    ['groundwater.rise', '地下水位上升速率', 'Groundwater rise rate'],
    ['pore_pressure.rise', '孔隙水压力上升速率', 'Pore-pressure rise rate'],
    ['mud.stage', '泥位', 'Mud level'],
    ['trigger.infrasound', '次声触发', 'Infrasound trigger'],
    ['tilt.change', '倾角变化', 'Tilt change'],
    ['accel.change', '加速度变化', 'Acceleration change'],
    ['soil.moisture', 'soil.moisture', 'soil.moisture'],
    ['rain.2w', 'rain.2w', 'rain.2w']
  ])('%s → %s / %s', (id, zh, en) => {
    expect(indicatorName(id, 'zh')).toBe(zh)
    expect(indicatorName(id, 'en')).toBe(en)
  })
})

describe('value and threshold', () => {
  test.each([
    ['rain.1h', 52.346, 50, 'mm', '52.35 mm', '≥ 50 mm'],
    ['rain.id.caine', 9.8, 7.21456, 'mm/h', '9.8 mm/h', '≥ 7.21 mm/h'],
    ['rain.eff', 143.2, Number.NaN, 'mm', '143.2 mm', '—'],
    ['displacement.velocity', 12.5, 10, 'mm/d', '12.5 mm/d', '≥ 10 mm/d'],
    ['displacement.tangent-angle', 84.63, 80, '°', '84.6°', '≥ 80°'],
    ['displacement.acceleration', 1.234, 1, 'mm/d²', '1.23 mm/d²', '≥ 1 mm/d²'],
    ['mud.stage', 1.8, 1.5, 'm', '1.8 m', '≥ 1.5 m'],
    ['forecast.inverse-velocity.points', 18, 8, 'points', '18 点', '≥ 8 点']
  ])('%s %d (threshold %d %s) reads %s against %s', (id, value, threshold, unit, valueText, thresholdText) => {
    const e = ev(id, value, threshold, unit)
    expect(evidenceRowsOf([e], { lang: 'zh' })[0]?.value).toBe(valueText)
    expect(formatThreshold(e, 'zh')).toBe(thresholdText)
  })

  test('the forecast threshold is an upper bound: fewer hours left is worse', () => {
    expect(formatThreshold(ev('forecast.inverse-velocity', 6, 24, 'h'), 'zh')).toBe('≤ 24 h')
  })
})

describe('forecast row', () => {
  // 10:00 UTC + 6 h = 16:00 UTC = 00:00 next day in Beijing.
  const forecast = [
    ev('rain.1h', 30, 25, 'mm', { level: 'yellow', deviceId: 'dev-a1', sensorId: 'YL1' }),
    ev('forecast.inverse-velocity', 6, 24, 'h', { level: 'red' }),
    ev('forecast.inverse-velocity.r2', 0.9312, 0.8, 'R²', { level: 'red' }),
    ev('forecast.inverse-velocity.points', 18, 8, 'points', { level: 'red' }),
    ev('forecast.inverse-velocity.span', 6.04, 3, 'h', { level: 'red' })
  ]

  test.each([
    ['zh', '预计失稳时间 07/28 00:00 (R² 0.93, 18 点, 跨度 6 h)'],
    ['en', 'Failure expected 28/07, 00:00 (R² 0.93, 18 points, span 6 h)']
  ] as const)('%s: failure time from at + value hours, the companions folded in', (lang, text) => {
    const rows = evidenceRowsOf(forecast, { lang, ...SHANGHAI })
    expect(rows.map((r) => r.indicator)).toEqual(['rain.1h', 'forecast.inverse-velocity'])
    expect(rows[1]).toMatchObject({ threshold: '≤ 24 h', device: 'dev-a1/GP1', level: 'red', isForecast: true })
    // No-break spaces keep each number with its unit.
    expect(rows[1]?.value.replaceAll('\u00a0', ' ')).toBe(text)
  })

  test('companions of another sensor stay rows of their own; a fit without companions is just the time', () => {
    const rows = evidenceRowsOf([ev('forecast.inverse-velocity', 1.5, 24, 'h'), ev('forecast.inverse-velocity.r2', 0.5, 0.8, 'R²', { sensorId: 'GP2' })], { lang: 'zh', ...SHANGHAI })
    expect(rows.map((r) => [r.name, r.value])).toEqual([
      ['速度倒数法失稳预报', '预计失稳时间 07/27 19:30'],
      ['失稳预报拟合优度', '0.5']
    ])
  })

  test('history is read newest change first', () => {
    const rows = evidenceRows(
      [
        { at: AT, from: 'none', to: 'yellow', evidence: [ev('rain.1h', 30, 25, 'mm')] },
        { at: AT + 1, from: 'yellow', to: 'red', evidence: forecast.slice(1) }
      ],
      { lang: 'en', ...SHANGHAI }
    )
    expect(rows.map((r) => r.indicator)).toEqual(['forecast.inverse-velocity', 'rain.1h'])
  })
})
