/**
 * Transfer learning helpers: load (some of) a trained model's weights,
 * freeze what should stay, swap the classifier head, give parts of the
 * network their own learning rates.
 *
 * Parameters are selected by dotted-name prefix, whole path segments only:
 * 'features' selects 'features.0.weight' and 'features.3.bias', not
 * 'featuresX.weight'; 'classifier.5' selects the head of LeNet-5.
 *
 * @example
 *   const model = new LeNet5();
 *   loadWeights(model, pretrained.stateDict(), { exclude: ['classifier.5'] }); // all but the head
 *   replaceModule(model, 'classifier.5', new Linear(84, 5));                   // a fresh head
 *   freeze(model, 'features');                                                 // keep the learned filters
 *   const opt = new optim.SGD(trainableParameters(model), { lr: 0.01, momentum: 0.9 });
 *
 * Freezing sets `requiresGrad = false`: backward computes no gradient for
 * those parameters and optimisers skip them. It does not stop BatchNorm's
 * running statistics from updating in training mode; put such layers in
 * `eval()` for that.
 */
import type { Tensor } from '../tensor';
import { ArgumentError } from '../errors';
import { Module, StateDictError, type Parameter } from './module';

/** True when `name` is `prefix` or lies under it ('features' covers 'features.0.weight'). */
function under(name: string, prefix: string): boolean {
  return prefix === '' || name === prefix || name.startsWith(`${prefix}.`);
}

function asList(names: string | readonly string[] | undefined): string[] | null {
  if (names === undefined) return null;
  return typeof names === 'string' ? [names] : [...names];
}

/** The [name, parameter] pairs under any of the prefixes (all without prefixes); an unknown prefix throws. */
function select(op: string, module: Module, prefixes: string[] | null): [string, Parameter][] {
  const all = module.namedParameters();
  if (!prefixes) return all;
  for (const prefix of prefixes) {
    if (!all.some(([name]) => under(name, prefix))) {
      throw new ArgumentError(`${op}: ${module.displayName} has no parameters under '${prefix}' (top-level names: ${topLevel(all.map(([n]) => n))})`);
    }
  }
  return all.filter(([name]) => prefixes.some((p) => under(name, p)));
}

function topLevel(names: string[]): string {
  return [...new Set(names.map((n) => n.split('.')[0]))].join(', ') || 'none';
}

/**
 * Stops training the parameters under the given prefixes (all of them when
 * none are given): `requiresGrad = false`. Returns the names frozen.
 * @example freeze(model, 'features')  // ['features.0.weight', 'features.0.bias', 'features.3.weight', 'features.3.bias']
 */
export function freeze(module: Module, prefixes?: string | readonly string[]): string[] {
  return setTrainable('freeze', module, prefixes, false);
}

/**
 * Trains the parameters under the given prefixes again (all when none are
 * given): `requiresGrad = true`. Returns the names unfrozen.
 * @example unfreeze(model, 'features.3')  // fine-tune the last conv layer too
 */
export function unfreeze(module: Module, prefixes?: string | readonly string[]): string[] {
  return setTrainable('unfreeze', module, prefixes, true);
}

function setTrainable(op: string, module: Module, prefixes: string | readonly string[] | undefined, flag: boolean): string[] {
  const chosen = select(op, module, asList(prefixes));
  for (const [, p] of chosen) p.requiresGrad = flag;
  return chosen.map(([name]) => name);
}

/**
 * The parameters that will train (`requiresGrad`), for an optimiser.
 * @example new optim.SGD(trainableParameters(model), { lr: 0.01 })
 */
export function trainableParameters(module: Module): Parameter[] {
  return module.parameters().filter((p) => p.requiresGrad);
}

/** One row of `parameterSummary`. */
export interface ParameterInfo {
  name: string;
  shape: number[];
  size: number;
  trainable: boolean;
}

/**
 * Every parameter with its shape, size and whether it trains: what a
 * fine-tuning setup changed, at a glance.
 * @example parameterSummary(model).filter((p) => p.trainable).map((p) => p.name)
 */
export function parameterSummary(module: Module): ParameterInfo[] {
  return module.namedParameters().map(([name, p]) => ({ name, shape: [...p.shape], size: p.size, trainable: p.requiresGrad }));
}

export interface LoadWeightsOptions {
  /** Load only keys under these prefixes (default: every key). */
  include?: string | readonly string[];
  /** Skip keys under these prefixes (e.g. the old head: 'classifier.5'). */
  exclude?: string | readonly string[];
}

/** What `loadWeights` did. */
export interface LoadWeightsResult {
  /** Keys copied into the model. */
  loaded: string[];
  /** Model keys that kept their values (not selected, or not in the state dict). */
  notLoaded: string[];
  /** State-dict keys left out by include/exclude. */
  skipped: string[];
}

/**
 * Copies weights from a state dict (a `stateDict()`, or one read from a
 * file) into `model`, in place: every key, or those selected by
 * `include`/`exclude` prefixes. Every selected key must exist in the model
 * with the same shape — otherwise a `StateDictError` lists all problems and
 * nothing is changed; model keys not selected keep their values.
 * @example loadWeights(model, pretrained.stateDict(), { exclude: 'classifier.5' })
 */
export function loadWeights(
  model: Module, stateDict: Record<string, Tensor> | Map<string, Tensor>, opts: LoadWeightsOptions = {},
): LoadWeightsResult {
  const entries = stateDict instanceof Map ? [...stateDict.entries()] : Object.entries(stateDict);
  const include = asList(opts.include), exclude = asList(opts.exclude) ?? [];
  for (const prefix of [...(include ?? []), ...exclude]) {
    if (!entries.some(([key]) => under(key, prefix))) {
      throw new ArgumentError(`loadWeights: no key of the state dict is under '${prefix}' (top-level names: ${topLevel(entries.map(([k]) => k))})`);
    }
  }
  const chosen = new Map<string, Tensor>(), skipped: string[] = [];
  for (const [key, value] of entries) {
    const selected = (!include || include.some((p) => under(key, p))) && !exclude.some((p) => under(key, p));
    if (selected) chosen.set(key, value);
    else skipped.push(key);
  }
  const modelKeys = new Set(Object.keys(model.stateDict()));
  const unknown = [...chosen.keys()].filter((key) => !modelKeys.has(key));
  if (unknown.length > 0) {
    throw new StateDictError(
      `loadWeights: ${model.displayName} has no key(s) ${unknown.map((k) => `"${k}"`).join(', ')} (exclude them, or select with include)`, [], unknown, [],
    );
  }
  const result = model.loadStateDict(chosen, { strict: false });
  return { loaded: [...chosen.keys()], notLoaded: result.missingKeys, skipped };
}

/**
 * Puts `replacement` where the submodule at `path` was (e.g. a new head with
 * another number of classes) and returns the old one. The parent keeps its
 * child order, so state-dict keys stay the same.
 * @example replaceModule(model, 'classifier.5', new Linear(84, 5))
 */
export function replaceModule(model: Module, path: string, replacement: Module): Module {
  if (!(replacement instanceof Module)) throw new ArgumentError(`replaceModule: the replacement for '${path}' must be a Module`);
  const dot = path.lastIndexOf('.');
  const parentPath = dot < 0 ? '' : path.slice(0, dot), key = path.slice(dot + 1);
  if (key === '') throw new ArgumentError(`replaceModule: needs the path of a submodule ('classifier.5'), got '${path}'`);
  const parent = model.getSubmodule(parentPath);
  const old = parent.namedChildren().find(([name]) => name === key);
  if (!old) {
    throw new ArgumentError(`replaceModule: ${model.displayName} has no submodule '${path}' (children of ${parentPath ? `'${parentPath}'` : 'the model'}: ${parent.namedChildren().map(([n]) => n).join(', ') || 'none'})`);
  }
  parent.registerModule(key, replacement);
  return old[1];
}

/** A param group by prefix: hyperparameters (lr, momentum, weightDecay...) for the parameters under `prefix`. */
export type PrefixGroup = { prefix: string | readonly string[] } & Record<string, unknown>;

/**
 * Optimiser param groups by name prefix, for per-layer learning rates. Each
 * trainable parameter goes to the first group whose prefix covers it; the
 * rest form a last group with the optimiser's defaults. Frozen parameters
 * are left out.
 * @example
 *   new optim.SGD(parameterGroups(model, [{ prefix: 'features', lr: 0.001 }]), { lr: 0.01, momentum: 0.9 })
 *   // features train at 0.001, the classifier at 0.01
 */
export function parameterGroups(module: Module, groups: readonly PrefixGroup[]): ({ params: Parameter[] } & Record<string, unknown>)[] {
  const trainable = module.namedParameters().filter(([, p]) => p.requiresGrad);
  const taken = new Set<Parameter>();
  const out: ({ params: Parameter[] } & Record<string, unknown>)[] = [];
  for (const group of groups) {
    const { prefix, ...hyper } = group;
    const prefixes = asList(prefix as string | readonly string[]) ?? [];
    select('parameterGroups', module, prefixes);
    const params = trainable.filter(([name, p]) => !taken.has(p) && prefixes.some((q) => under(name, q))).map(([, p]) => p);
    params.forEach((p) => taken.add(p));
    if (params.length > 0) out.push({ ...hyper, params });
  }
  const rest = trainable.filter(([, p]) => !taken.has(p)).map(([, p]) => p);
  if (rest.length > 0) out.push({ params: rest });
  if (out.length === 0) throw new ArgumentError(`parameterGroups: ${module.displayName} has no trainable parameters (all frozen?)`);
  return out;
}
