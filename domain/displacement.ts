import type { SensorType } from './sensors.js'

/**
 * The displacement U of a reading in mm, or undefined if its fields lack it: the GNSS horizontal
 * resultant (domain.md §3 "GNSS horizontal resultant"), the crack opening, the along-slide deep
 * displacement. One definition for the rules' models and the dashboard's charts; no zod here, so
 * the browser bundle can import it.
 */
export function displacementMm(type: SensorType, fields: Readonly<Record<string, number>>): number | undefined {
  switch (type) {
    case 'gnss': {
      const dx = fields.dxMm
      const dy = fields.dyMm
      return dx === undefined || dy === undefined ? undefined : Math.sqrt(dx * dx + dy * dy)
    }
    case 'crack':
      return fields.openingMm
    case 'deep_disp':
      return fields.dispXMm
    default:
      return undefined
  }
}
