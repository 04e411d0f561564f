/**
 * The part of ConvNetJS 0.3 (npm `convnetjs`, no types of its own) that
 * bench/ uses: volumes, a layer-list network and its SGD trainer.
 */
declare module 'convnetjs' {
  /** A sx × sy × depth volume; value (x, y, d) at w[((sx·y) + x)·depth + d]. Without `c` the values are random. */
  export class Vol {
    constructor(sx: number, sy: number, depth: number, c?: number);
    sx: number;
    sy: number;
    depth: number;
    w: Float64Array;
    dw: Float64Array;
  }

  /** One entry of `Net.makeLayers`; 'softmax' adds its fc layer, `activation: 'relu'` its ReLU layer. */
  export type LayerDef =
    | { type: 'input'; out_sx: number; out_sy: number; out_depth: number }
    | { type: 'fc'; num_neurons: number; activation?: 'relu' | 'sigmoid' | 'tanh' }
    | { type: 'conv'; sx: number; filters: number; stride?: number; pad?: number; activation?: 'relu' | 'sigmoid' | 'tanh' }
    | { type: 'pool'; sx: number; stride?: number }
    | { type: 'softmax'; num_classes: number };

  export class Net {
    constructor();
    makeLayers(defs: LayerDef[]): void;
    /** Forward one sample; `isTraining` only matters for dropout. */
    forward(v: Vol, isTraining?: boolean): Vol;
    getPrediction(): number;
  }

  export interface TrainerOptions {
    method?: 'sgd' | 'adagrad' | 'adadelta' | 'windowgrad';
    learning_rate?: number;
    momentum?: number;
    batch_size?: number;
    l1_decay?: number;
    l2_decay?: number;
  }

  export interface TrainStats { cost_loss: number; softmax_loss: number; l1_decay_loss: number; l2_decay_loss: number; fwd_time: number; bwd_time: number }

  /** Forward + backward of one sample per `train`; updates the weights every `batch_size` calls with the mean gradient. */
  export class Trainer {
    constructor(net: Net, options?: TrainerOptions);
    train(x: Vol, y: number): TrainStats;
  }
}
