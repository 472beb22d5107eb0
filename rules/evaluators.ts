import { displacementEvaluator } from './displacement.js'
import type { Evaluator } from './evaluator.js'
import { rainEvaluator } from './rain-evaluator.js'

/** Every hazard model the engine runs by default; a new model adds one line here. */
export const DEFAULT_EVALUATORS: readonly Evaluator[] = Object.freeze([rainEvaluator, displacementEvaluator])
