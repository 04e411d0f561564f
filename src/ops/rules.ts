/**
 * The backward table. Typed over every `PrimOp`: adding a primitive without
 * its rule fails to compile.
 */
import { registerBackwardRules, type BackwardRules } from '../autograd';
import { elementwiseRules } from './elementwise';
import { reduceRules } from './reduce';
import { matmulRules } from './matmul';
import { movementRules } from './movement';
import { indexingRules } from './indexing';

export const backwardRules: BackwardRules = {
  ...elementwiseRules,
  ...reduceRules,
  ...matmulRules,
  ...movementRules,
  ...indexingRules,
};

registerBackwardRules(backwardRules);
