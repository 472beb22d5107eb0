import { z } from 'zod'

/** Canonical sensor types. The DZ/T point code of each is in DZT_POINT_TYPES. */
export const SENSOR_TYPES = [
  'crack',
  'gnss',
  'deep_disp',
  'tilt',
  'accel',
  'vibration',
  'ground_sound',
  'infrasound',
  'rain',
  'soil_moisture',
  'groundwater',
  'pore_pressure',
  'surface_water',
  'mud_level',
  'radar'
] as const
export const sensorTypeSchema = z.enum(SENSOR_TYPES)
export type SensorType = z.infer<typeof sensorTypeSchema>

/**
 * Canonical field names per sensor type, unit in the name. Readings carry only these fields.
 * The DZ/T leaf each comes from is the value (domain.md §2 point-code table).
 */
export const SENSOR_FIELDS = {
  crack: { openingMm: 'value' },
  gnss: { dxMm: 'gpsTotalX', dyMm: 'gpsTotalY', dzMm: 'gpsTotalZ' },
  deep_disp: { dispXMm: 'dispsX', dispYMm: 'dispsY' },
  tilt: { xDeg: 'X', yDeg: 'Y', zDeg: 'Z', angleDeg: 'angle', azimuthDeg: 'AZI' },
  // Unit varies by vendor (g, mg or m/s²): the device's sensor record says which.
  accel: { gX: 'gX', gY: 'gY', gZ: 'gZ' },
  vibration: {
    freqXHz: 'PLX',
    freqYHz: 'PLY',
    freqZHz: 'PLZ',
    valueMm: 'value',
    sjXMm: 'SJX',
    sjYMm: 'SJY',
    sjZMm: 'SJZ',
    sjValueMm: 'SJValue'
  },
  ground_sound: { osp: 'OSP', vsp: 'VSP', freqHz: 'freq' },
  infrasound: { osp: 'OSP', vsp: 'VSP', freqHz: 'freq' },
  rain: { intervalMm: 'value', totalMm: 'totalValue' },
  soil_moisture: { moisturePct: 'value' },
  groundwater: { levelM: 'value', tempC: 'temp' },
  pore_pressure: { pressureKpa: 'value', tempC: 'temp' },
  surface_water: { levelM: 'value', tempC: 'temp' },
  mud_level: { levelM: 'value' },
  radar: { xM: 'X', yM: 'Y', zM: 'Z', speedMps: 'speed' }
} as const satisfies Record<SensorType, Record<string, string>>

/** DZ/T 0450 point type (the middle part of `L1_LF_1`) → canonical type. */
export const DZT_POINT_TYPES: Readonly<Record<string, SensorType>> = Object.freeze({
  L1_LF: 'crack',
  L1_GP: 'gnss',
  L1_SW: 'deep_disp',
  L1_QJ: 'tilt',
  L1_JS: 'accel',
  L1_ZD: 'vibration',
  L2_DS: 'ground_sound',
  L2_CS: 'infrasound',
  L3_YL: 'rain',
  L3_HS: 'soil_moisture',
  L3_DX: 'groundwater',
  L3_SY: 'pore_pressure',
  L3_DB: 'surface_water',
  L4_NW: 'mud_level',
  L4_LD: 'radar'
})

/** Leaf aliases seen from vendors: some tilt meters send `trend` for `AZI`. */
export const DZT_LEAF_ALIASES: Readonly<Record<string, string>> = Object.freeze({ trend: 'AZI' })

/**
 * Comma-separated encodings list their leaves in this order (domain.md §2:
 * `"L1_GP_1": "gpsInitial,gpsTotalX,gpsTotalY,gpsTotalZ"`).
 */
export const DZT_CSV_LEAVES: Readonly<Partial<Record<SensorType, readonly string[]>>> = Object.freeze({
  gnss: ['gpsInitial', 'gpsTotalX', 'gpsTotalY', 'gpsTotalZ'],
  deep_disp: ['dispsX', 'dispsY'],
  tilt: ['X', 'Y', 'Z', 'angle', 'AZI'],
  accel: ['gX', 'gY', 'gZ'],
  radar: ['X', 'Y', 'Z', 'speed'],
  rain: ['value', 'totalValue'],
  groundwater: ['value', 'temp'],
  pore_pressure: ['value', 'temp'],
  surface_water: ['value', 'temp']
})

export function dztPointType(pointCode: string): SensorType | undefined {
  const m = /^([A-Z]\d_[A-Z]{2})_\d+$/.exec(pointCode)
  return m?.[1] === undefined ? undefined : DZT_POINT_TYPES[m[1]]
}

/** The DZ/T point-type prefix of a canonical type (for the simulator's encoder). */
export function dztPrefixOf(type: SensorType): string {
  for (const [prefix, t] of Object.entries(DZT_POINT_TYPES)) if (t === type) return prefix
  throw new Error(`no DZ/T point type for ${type}`)
}
