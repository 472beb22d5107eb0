import { displacementEvaluator } from './displacement.js'
import type { Evaluator } from './evaluator.js'
import { groundwaterEvaluator } from './groundwater.js'
import { mudLevelEvaluator } from './mud-level.js'
import { rainEvaluator } from './rain-evaluator.js'
import { secondaryEvaluator } from './secondary.js'
import { triggerEvaluator } from './trigger.js'

/** Every hazard model the engine runs by default; a new model adds one line here. */
export const DEFAULT_EVALUATORS: readonly Evaluator[] = Object.freeze([
  rainEvaluator,
  displacementEvaluator,
  groundwaterEvaluator,
  mudLevelEvaluator,
  triggerEvaluator,
  secondaryEvaluator
])
