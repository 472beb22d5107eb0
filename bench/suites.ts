import { benchDashboard } from './dashboard.js'
import { benchDecode } from './decode.js'
import { benchEngine } from './engine.js'
import { benchInflux } from './influx.js'
import { benchOverload } from './overload.js'
import { benchPipeline } from './pipeline.js'
import type { SuiteOptions, SuiteResult } from './stats.js'

export type { Figure, Spread, SuiteOptions, SuiteResult } from './stats.js'

/** Every suite, in the order `geowarn bench` runs them. */
export const SUITES: Readonly<Record<string, (opts: SuiteOptions) => Promise<SuiteResult>>> = Object.freeze({
  decode: benchDecode,
  engine: benchEngine,
  pipeline: benchPipeline,
  influx: benchInflux,
  overload: benchOverload,
  dashboard: benchDashboard
})

export const SUITE_NAMES = Object.freeze(Object.keys(SUITES))
