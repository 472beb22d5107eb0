import type { DeviceStatus, Reading, SensorType } from '../domain/index.js'

/**
 * Where readings live: SQLite (embedded default) or InfluxDB. Both implementations pass the one
 * contract suite in test/store/readings-contract.ts.
 */
export interface ReadingsStore {
  readonly kind: 'sqlite' | 'influxdb'
  /**
   * Write a batch. Idempotent on (deviceId, sensorId, ts): a redelivered reading overwrites itself.
   * Resolves only when the batch is durable; rejects if any of it may not be.
   */
  write(readings: readonly Reading[]): Promise<void>
  writeStatuses(statuses: readonly DeviceStatus[]): Promise<void>
  /** Raw readings in [from, to), oldest first. */
  query(q: RangeQuery): Promise<Reading[]>
  /** Aggregated per window of `everyMs`, windows aligned to the epoch, oldest first. */
  aggregate(q: AggregateQuery): Promise<AggregatePoint[]>
  /** The newest reading of each (device, sensor) at a site. */
  latest(siteId: string): Promise<Reading[]>
  /** The newest status of each device of a site. */
  latestStatuses(siteId: string): Promise<DeviceStatus[]>
  /** Cheap liveness probe for /api/health. */
  ping(): Promise<boolean>
  close(): Promise<void>
}

export interface RangeQuery {
  siteId: string
  /** Epoch ms, inclusive. */
  from: number
  /** Epoch ms, exclusive. */
  to: number
  deviceId?: string
  sensorId?: string
  type?: SensorType
  limit?: number
}

export const AGGREGATE_FNS = ['mean', 'min', 'max', 'sum', 'last', 'count'] as const
export type AggregateFn = (typeof AGGREGATE_FNS)[number]

export interface AggregateQuery extends RangeQuery {
  everyMs: number
  fn: AggregateFn
}

export interface AggregatePoint {
  /** Window start, epoch ms. */
  ts: number
  deviceId: string
  sensorId: string
  type: SensorType
  fields: Record<string, number>
}
