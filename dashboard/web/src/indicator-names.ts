import type { Lang } from './messages.js'

/**
 * What duty officers call each evidence indicator (ids from rules/: the IndicatorSpecs of
 * rain-evaluator.ts, displacement.ts, groundwater.ts, mud-level.ts, trigger.ts, secondary.ts).
 * Rain windows (`rain.10min` … `rain.72h`) and unknown curves are named by pattern in
 * evidence-rows.ts; an id known to neither is shown as it is.
 */
export const INDICATOR_NAMES: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  zh: {
    'rain.id.guzzetti': '雨强-历时阈值（Guzzetti 全球下限）',
    'rain.id.caine': '雨强-历时阈值（Caine 曲线）',
    'rain.eff': '有效降雨量（含前期雨量）',
    'displacement.velocity': '位移速率',
    'displacement.tangent-angle': '改进切线角',
    'displacement.acceleration': '位移加速度',
    'forecast.inverse-velocity': '速度倒数法失稳预报',
    'forecast.inverse-velocity.r2': '失稳预报拟合优度',
    'forecast.inverse-velocity.points': '失稳预报拟合点数',
    'forecast.inverse-velocity.span': '失稳预报拟合跨度',
    'groundwater.rise': '地下水位上升速率',
    'pore_pressure.rise': '孔隙水压力上升速率',
    'mud.stage': '泥位',
    'trigger.infrasound': '次声触发',
    'trigger.ground_sound': '地声触发',
    'trigger.vibration': '振动触发',
    'tilt.change': '倾角变化',
    'accel.change': '加速度变化'
  },
  en: {
    'rain.id.guzzetti': 'Intensity–duration threshold (Guzzetti global minimum)',
    'rain.id.caine': 'Intensity–duration threshold (Caine curve)',
    'rain.eff': 'Effective rainfall (with antecedent rain)',
    'displacement.velocity': 'Displacement velocity',
    'displacement.tangent-angle': 'Improved tangent angle',
    'displacement.acceleration': 'Displacement acceleration',
    'forecast.inverse-velocity': 'Inverse-velocity failure forecast',
    'forecast.inverse-velocity.r2': 'Failure forecast fit R²',
    'forecast.inverse-velocity.points': 'Failure forecast fit points',
    'forecast.inverse-velocity.span': 'Failure forecast fit span',
    'groundwater.rise': 'Groundwater rise rate',
    'pore_pressure.rise': 'Pore-pressure rise rate',
    'mud.stage': 'Mud level',
    'trigger.infrasound': 'Infrasound trigger',
    'trigger.ground_sound': 'Ground-sound trigger',
    'trigger.vibration': 'Vibration trigger',
    'tilt.change': 'Tilt change',
    'accel.change': 'Acceleration change'
  }
}

/**
 * Templates for the pattern-named indicators and the forecast text; `{n}` etc. are filled in. The
 * fit parts join number and unit with a no-break space (\u00a0) so a narrow cell never strands a unit.
 */
export const EVIDENCE_TEXT = {
  zh: {
    rainMin: '{n} 分钟雨量',
    rainH: '{n} 小时雨量',
    rainD: '{n} 日雨量',
    rainCurve: '雨强-历时阈值（{id}）',
    forecast: '预计失稳时间 {time}',
    fitR2: 'R²\u00a0{v}',
    fitPoints: '{v}\u00a0点',
    fitSpan: '跨度\u00a0{v}\u00a0h',
    points: '点'
  },
  en: {
    rainMin: '{n}-min rainfall',
    rainH: '{n}-h rainfall',
    rainD: '{n}-day rainfall',
    rainCurve: 'Intensity–duration threshold ({id})',
    forecast: 'Failure expected {time}',
    fitR2: 'R²\u00a0{v}',
    fitPoints: '{v}\u00a0points',
    fitSpan: 'span\u00a0{v}\u00a0h',
    points: 'points'
  }
} as const satisfies Record<Lang, Record<string, string>>
