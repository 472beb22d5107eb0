/**
 * Indicator families: each has its own persistence and falling dwell, and the combination rules
 * (orange and red need two independent indicators) reason in families. A new model adds its
 * family here.
 */
export const FAMILIES = ['rain', 'displacement'] as const
export type Family = (typeof FAMILIES)[number]
