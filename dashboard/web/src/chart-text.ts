import { lang, levelName } from './i18n.js'
import type { Lang } from './messages.js'
import type { SensorType } from './types.js'

/** Labels of the site charts, both languages (kept here, not in the shared messages table). */
const TEXT = {
  zh: {
    rain: '降雨量与滑动累计',
    hourly: '小时雨量',
    sum1h: '1 小时滑动雨量',
    sum24h: '24 小时滑动雨量',
    mm: '雨量 (mm)',
    mm24: '24 h 累计 (mm)',
    displacement: '位移、速率与切线角',
    displacementMm: '位移 (mm)',
    velocity: '速率 (mm/d)',
    angle: '切线角 (°)',
    adaptive: '该点的速率阈值由自适应 V0 决定，图中为规则表阈值',
    groundwater: '地下水位',
    pore_pressure: '孔隙水压力',
    mud_level: '泥位',
    surface_water: '地表水位',
    levelM: '水位 (m)',
    pressureKpa: '孔压 (kPa)',
    mudM: '泥位 (m)',
    riseM: '日升幅 (m/d)',
    riseKpa: '日升幅 (kPa/d)',
    riseNote: '升幅阈值按配置的起始 V0 绘制',
    forecast: '速度倒数法失稳预报',
    inverse: '1/v (d/mm)',
    fitted: '拟合直线',
    failure: '预计失稳',
    fit: 'R² {r2} · {points} 点 · 跨度 {span} h',
    statusAt: '状态上报 {time}',
    extPower: '外电',
    solar: '太阳能',
    lowBattery: '电量低',
    noStatus: '无状态'
  },
  en: {
    rain: 'Rainfall and rolling sums',
    hourly: 'Hourly rain',
    sum1h: '1 h rolling sum',
    sum24h: '24 h rolling sum',
    mm: 'Rain (mm)',
    mm24: '24 h sum (mm)',
    displacement: 'Displacement, velocity and tangent angle',
    displacementMm: 'Displacement (mm)',
    velocity: 'Velocity (mm/d)',
    angle: 'Tangent angle (°)',
    adaptive: 'This site grades velocity by its adaptive V0; the lines are the table’s',
    groundwater: 'Groundwater level',
    pore_pressure: 'Pore pressure',
    mud_level: 'Mud level',
    surface_water: 'Surface water level',
    levelM: 'Level (m)',
    pressureKpa: 'Pressure (kPa)',
    mudM: 'Mud level (m)',
    riseM: 'Daily rise (m/d)',
    riseKpa: 'Daily rise (kPa/d)',
    riseNote: 'Rise thresholds drawn with the configured starting V0',
    forecast: 'Inverse-velocity failure forecast',
    inverse: '1/v (d/mm)',
    fitted: 'Fitted line',
    failure: 'Failure expected',
    fit: 'R² {r2} · {points} points · span {span} h',
    statusAt: 'status at {time}',
    extPower: 'ext.',
    solar: 'solar',
    lowBattery: 'low battery',
    noStatus: 'no status'
  }
} as const satisfies Record<Lang, Record<string, string>>

export type ChartTextKey = keyof (typeof TEXT)['zh']

export function ct(key: ChartTextKey, vars: Readonly<Record<string, string | number>> = {}): string {
  return TEXT[lang()][key].replace(/\{(\w+)\}/g, (m, name: string) => (vars[name] === undefined ? m : String(vars[name])))
}

/** A threshold line's label: the level's name and its value. */
export function thresholdLabel(level: Parameters<typeof levelName>[0], value: number, prefix = ''): string {
  return `${prefix}${levelName(level)} ${Number(value.toFixed(2))}`
}

/** Sensor types by their names on the duty-room screen (domain/sensors.ts SENSOR_TYPES). */
const SENSOR_TYPE_NAMES: Record<Lang, Record<SensorType, string>> = {
  zh: {
    crack: '裂缝计',
    gnss: 'GNSS 地表位移',
    deep_disp: '深部位移',
    tilt: '倾角计',
    accel: '加速度计',
    vibration: '振动计',
    ground_sound: '地声',
    infrasound: '次声',
    rain: '雨量计',
    soil_moisture: '土壤含水率',
    groundwater: '地下水位',
    pore_pressure: '孔隙水压力',
    surface_water: '地表水位',
    mud_level: '泥位计',
    radar: '雷达'
  },
  en: {
    crack: 'Crack meter',
    gnss: 'GNSS displacement',
    deep_disp: 'Deep displacement',
    tilt: 'Tilt meter',
    accel: 'Accelerometer',
    vibration: 'Vibration',
    ground_sound: 'Ground sound',
    infrasound: 'Infrasound',
    rain: 'Rain gauge',
    soil_moisture: 'Soil moisture',
    groundwater: 'Groundwater level',
    pore_pressure: 'Pore pressure',
    surface_water: 'Surface water level',
    mud_level: 'Mud level',
    radar: 'Radar'
  }
}

export function sensorTypeName(type: SensorType): string {
  return SENSOR_TYPE_NAMES[lang()][type] ?? type
}
