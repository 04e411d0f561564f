/**
 * Linear classifiers taught before neural networks: the perceptron, kernels
 * and support vector machines.
 */
export {
  Perceptron, MultiClassPerceptron,
  type PerceptronOptions, type PerceptronFitOptions, type PerceptronHistory, type MultiClassPerceptronOptions,
} from './perceptron';
export {
  linearKernel, polynomialKernel, rbfKernel,
  type SVMKernel, type SVMKernelFunction, type PolynomialKernelOptions, type RBFKernelOptions,
} from './kernels';
export {
  SVC, OneVsRestSVC, LinearSVM,
  type SVCOptions, type LinearSVMOptions, type LinearSVMFitOptions, type LinearSVMHistory,
} from './svm';
