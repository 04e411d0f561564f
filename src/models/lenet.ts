/**
 * LeNet-5 (LeCun et al. 1998) in its modern form: ReLU and max pooling,
 * padding 2 on the first convolution so 28×28 Fashion-MNIST images fit the
 * original 32×32 design.
 *
 *   features:   conv 6@5×5 pad 2 → ReLU → maxpool 2 → conv 16@5×5 → ReLU → maxpool 2
 *   classifier: flatten → FC 400→120 → ReLU → 120→84 → ReLU → 84→10
 *
 *   [N, 1, 28, 28] → [N, 6, 28, 28] → [N, 6, 14, 14] → [N, 16, 10, 10] → [N, 16, 5, 5] → [N, 400] → [N, 120] → [N, 84] → [N, 10]
 *
 * State-dict keys (the same as a PyTorch module with `features` and
 * `classifier` Sequentials laid out alike, for safetensors export):
 *
 *   features.0.weight [6, 1, 5, 5]    features.0.bias [6]      (Conv2d)
 *   features.3.weight [16, 6, 5, 5]   features.3.bias [16]     (Conv2d)
 *   classifier.1.weight [120, 400]    classifier.1.bias [120]  (Linear)
 *   classifier.3.weight [84, 120]     classifier.3.bias [84]   (Linear)
 *   classifier.5.weight [10, 84]      classifier.5.bias [10]   (Linear: the head)
 *
 * ReLUs and pools are features.1, .2, .4, .5; Flatten is classifier.0.
 */
import type { Tensor } from '../tensor';
import { Generator } from '../random';
import { ArgumentError } from '../errors';
import { Module } from '../nn/module';
import { Sequential, Linear, ReLU, Flatten } from '../nn/layers';
import { Conv2d, MaxPool2d } from '../nn/conv';

export interface LeNet5Options {
  /** Size of the output layer (the head, classifier.5). Default 10. */
  numClasses?: number;
  /** Image channels. Default 1 (grayscale). */
  inChannels?: number;
  /** Source of the initial weights (default the global generator, see `manualSeed`). */
  generator?: Generator;
}

/**
 * LeNet-5 as a module with two parts, `features` (convolutions and pooling)
 * and `classifier` (flatten and fully connected layers); forward is
 * classifier(features(x)). Takes [N, inChannels, 28, 28], returns logits [N, numClasses].
 * @example
 *   const model = new LeNet5();
 *   model.forward(images).shape        // [64, 10]
 *   model.classifier.at(-1)            // the head, Linear(84 → 10)
 */
export class LeNet5 extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;

  constructor(opts: LeNet5Options = {}) {
    super();
    const numClasses = opts.numClasses ?? 10, inChannels = opts.inChannels ?? 1, generator = opts.generator;
    for (const [name, v] of [['numClasses', numClasses], ['inChannels', inChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`LeNet5: ${name} must be a positive integer, got ${v}`);
    }
    this.features = new Sequential(
      new Conv2d(inChannels, 6, 5, { padding: 2, generator }), new ReLU(), new MaxPool2d(2),
      new Conv2d(6, 16, 5, { generator }), new ReLU(), new MaxPool2d(2),
    );
    this.classifier = new Sequential(
      new Flatten(),
      new Linear(16 * 5 * 5, 120, { generator }), new ReLU(),
      new Linear(120, 84, { generator }), new ReLU(),
      new Linear(84, numClasses, { generator }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

/**
 * Builds LeNet-5 (see `LeNet5` for the layers and state-dict names).
 * @example const model = lenet5({ generator: new Generator(0) });
 */
export function lenet5(opts: LeNet5Options = {}): LeNet5 {
  return new LeNet5(opts);
}
