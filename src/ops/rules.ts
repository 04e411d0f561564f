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
import { convRules } from './conv';
import { poolRules } from './pool';

export const backwardRules: BackwardRules = {
  ...elementwiseRules,
  ...reduceRules,
  ...matmulRules,
  ...movementRules,
  ...indexingRules,
  ...convRules,
  ...poolRules,
};

registerBackwardRules(backwardRules);
