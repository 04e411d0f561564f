/**
 * Text for character-level language models: a character vocabulary, text
 * read from a file, and next-character training pairs cut from it.
 *
 * @example
 *   const text = loadText('/usr/share/common-licenses/GPL-3');
 *   const vocab = CharVocab.fromText(text);
 *   const ds = charSequences(vocab.encode(text), 64);   // x [N, 64], y [N, 64] = x shifted by one
 *   const loader = new DataLoader(ds, { batchSize: 32, shuffle: true });
 */
import { readFileSync } from 'node:fs';
import { Tensor } from '../tensor';
import { ArgumentError, FormatError, ShapeError, fmtShape, whyUnreadable } from '../errors';
import { TensorDataset } from './dataset';

function describeChar(ch: string): string {
  const code = ch.codePointAt(0)!;
  const shown = code < 32 || code === 127 ? JSON.stringify(ch) : `'${ch}'`;
  return `${shown} (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * The characters of a text, each with an id (its index in `chars`, sorted by
 * code point, so the same text always gives the same ids).
 * @example
 *   const vocab = CharVocab.fromText('hello');   // chars ['e', 'h', 'l', 'o']
 *   vocab.encode('hole').toArray()              // [1, 3, 2, 0]
 *   vocab.decode([1, 0, 2, 2, 3])               // 'hello'
 */
export class CharVocab {
  /** The characters, by id. */
  readonly chars: readonly string[];
  readonly #ids = new Map<string, number>();

  constructor(chars: Iterable<string>) {
    const list = [...chars];
    for (const [i, ch] of list.entries()) {
      if ([...ch].length !== 1) throw new ArgumentError(`CharVocab: entry ${i} must be one character, got ${JSON.stringify(ch)}`);
      if (this.#ids.has(ch)) throw new ArgumentError(`CharVocab: ${describeChar(ch)} appears twice (entries ${this.#ids.get(ch)} and ${i})`);
      this.#ids.set(ch, i);
    }
    this.chars = Object.freeze(list);
  }

  /** Every distinct character of `text`, sorted by code point. */
  static fromText(text: string): CharVocab {
    return new CharVocab([...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** The number of characters. */
  get size(): number {
    return this.chars.length;
  }

  has(ch: string): boolean {
    return this.#ids.has(ch);
  }

  /** The id of one character. */
  indexOf(ch: string): number {
    const id = this.#ids.get(ch);
    if (id === undefined) throw new ArgumentError(`CharVocab: ${describeChar(ch)} is not in the vocabulary (${this.size} characters)`);
    return id;
  }

  /** The ids of the characters of `text`, int32 [length]. */
  encode(text: string): Tensor {
    const chars = [...text];
    const ids = new Int32Array(chars.length);
    for (let i = 0; i < chars.length; i++) {
      const id = this.#ids.get(chars[i]);
      if (id === undefined) {
        throw new ArgumentError(`CharVocab.encode: ${describeChar(chars[i])} at position ${i} is not in the vocabulary (${this.size} characters)`);
      }
      ids[i] = id;
    }
    return new Tensor(ids, [ids.length]);
  }

  /** The text of a sequence of ids (a 1-D tensor or array). */
  decode(ids: Tensor | ArrayLike<number>): string {
    if (ids instanceof Tensor && ids.ndim !== 1) throw new ShapeError(`CharVocab.decode: expected 1-D ids, got shape ${fmtShape(ids.shape)}`);
    const v = ids instanceof Tensor ? ids.values() : ids;
    let out = '';
    for (let i = 0; i < v.length; i++) {
      const ch = this.chars[v[i]];
      if (ch === undefined) throw new ArgumentError(`CharVocab.decode: id ${v[i]} at position ${i} is outside [0, ${this.size})`);
      out += ch;
    }
    return out;
  }

  toString(): string {
    return `CharVocab(${this.size} characters: ${JSON.stringify(this.chars.join(''))})`;
  }
}

/**
 * A UTF-8 text file as a string, optionally only its first `maxChars` characters.
 * @example loadText('/usr/share/common-licenses/GPL-3', { maxChars: 10000 })
 */
export function loadText(path: string, opts: { maxChars?: number } = {}): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FormatError(`loadText: '${path}': ${whyUnreadable(err)}`, path);
  }
  return opts.maxChars === undefined ? text : [...text].slice(0, opts.maxChars).join('');
}

/**
 * Next-character training pairs: the ids are cut into non-overlapping
 * windows of `seqLen`, and window k gives
 *
 *   x = ids[k·T .. k·T + T),   y = ids[k·T + 1 .. k·T + T + 1)
 *
 * so y_t is the character after x_t. Returns a `TensorDataset` of x and y,
 * both int32 [N, seqLen] with N = ⌊(length − 1) / seqLen⌋, ready for a `DataLoader`.
 * @example charSequences(vocab.encode('abcdefg'), 3)  // x [[a,b,c],[d,e,f]], y [[b,c,d],[e,f,g]]
 */
export function charSequences(ids: Tensor, seqLen: number): TensorDataset {
  if (ids.ndim !== 1) throw new ShapeError(`charSequences: expected 1-D ids, got shape ${fmtShape(ids.shape)}`);
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new ArgumentError(`charSequences: seqLen must be a positive integer, got ${seqLen}`);
  const v = ids.values();
  const n = Math.floor((v.length - 1) / seqLen);
  if (n < 1) throw new ShapeError(`charSequences: ${v.length} ids are too few for one sequence of ${seqLen} (need ${seqLen + 1})`);
  const x = new Int32Array(n * seqLen), y = new Int32Array(n * seqLen);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < seqLen; t++) {
      x[k * seqLen + t] = v[k * seqLen + t];
      y[k * seqLen + t] = v[k * seqLen + t + 1];
    }
  }
  return new TensorDataset(new Tensor(x, [n, seqLen]), new Tensor(y, [n, seqLen]));
}
