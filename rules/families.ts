/**
 * Indicator families: each has its own persistence and falling dwell, and the combination rules
 * (orange and red need two independent indicators) reason in families. A new model adds its
 * family here.
 */
export const FAMILIES = [
  'rain',
  // Intensity–duration flags (Guzzetti 2008, Caine 1980): at most orange, only as a contributing indicator.
  'rain-flag',
  'displacement',
  // Inverse-velocity t_f within 24 h: the second red indicator (our choice, domain.md §3).
  'forecast',
  // At most one level on top of the displacement level, never red (domain.md §3 "Other sensors").
  'groundwater',
  'mud',
  // Infrasound / vibration: with a mud stage on a debris-flow site → red.
  'trigger',
  // Tilt and acceleration: shown, low levels only.
  'secondary'
] as const
export type Family = (typeof FAMILIES)[number]
