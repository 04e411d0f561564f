/**
 * Typed errors. Every message names the op or layer and the shapes involved, e.g.
 * `matmul: inner dimensions differ: a has shape [2, 3], b has shape [4, 5]`.
 */
export class NNLabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A shape, rank or broadcasting mismatch. */
export class ShapeError extends NNLabError {}

/** An argument with a wrong value or type (negative size, unknown option, bad axis...). */
export class ArgumentError extends NNLabError {}

/** A dtype that an op does not accept. */
export class DTypeError extends NNLabError {}

/** A NaN or Inf met during training; `step` is the optimisation step where it appeared. */
export class NonFiniteError extends NNLabError {
  constructor(message: string, readonly step: number, readonly value: number) {
    super(message);
  }
}

/** A file that cannot be read as the format it claims (IDX, safetensors...). */
export class FormatError extends NNLabError {
  constructor(message: string, readonly file: string) {
    super(message);
  }
}

/** `[2, 3]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Why a file could not be read, for messages: a missing file names the
 * working directory that a relative path was resolved from.
 * @example whyUnreadable(err)  // 'file not found (working directory /home/me/notebooks)'
 */
export function whyUnreadable(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ENOENT') return `file not found (working directory ${process.cwd()})`;
  if (code === 'EISDIR') return 'a directory, not a file';
  return `cannot read the file (${code ?? (err as Error)?.message ?? String(err)})`;
}
