import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fsp, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Module, Sequential, Linear, ReLU, Tensor, Generator, StateDictError, FormatError, ArgumentError,
  tensor, zeros, randn, BatchNorm2d, Conv2d, LSTM, loadWeights,
} from '../../src';
import { LeNet5 } from '../../src/models';
import {
  save, load, encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, findDuplicateKey, LoadedWeights,
} from '../../src/io';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-st-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a header object and a data buffer, laid out by hand. */
function fileFrom(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

describe('safetensors writer: the exact bytes', () => {
  it('writes the u64 header length, the JSON header padded with spaces to 8 bytes, and little-endian data', () => {
    const bytes = encodeSafetensors({ w: tensor([[1, 2], [3, 4]]), b: tensor([0.5]) }, { note: 'x' });
    const json = '{"__metadata__":{"note":"x"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}';
    const padded = Math.ceil(json.length / 8) * 8;
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)).toBe(BigInt(padded));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + padded))).toBe(json.padEnd(padded, ' '));
    expect((8 + padded) % 8).toBe(0);
    expect(Array.from(new Float32Array(bytes.slice(8 + padded).buffer))).toEqual([1, 2, 3, 4, 0.5]);
    expect(bytes.length).toBe(8 + padded + 20);
  });

  it('lays data out by element size (F64 before F32/I32), so every tensor is aligned to its size', () => {
    const bytes = encodeSafetensors({ a: tensor([1], { dtype: 'int32' }), b: tensor([2], { dtype: 'float64' }), c: tensor([3]) });
    const { info } = decodeSafetensors(bytes);
    expect(info.get('b')!.dataOffsets).toEqual([0, 8]);
    expect(info.get('a')!.dataOffsets).toEqual([8, 12]);
    expect(info.get('c')!.dataOffsets).toEqual([12, 16]);
    // The header lists the tensors in the order given.
    const json = new TextDecoder().decode(bytes.subarray(8));
    expect(json.indexOf('"a"')).toBeLessThan(json.indexOf('"b"'));
  });

  it('round-trips float32, float64, int32, scalars, empty tensors and non-contiguous views', () => {
    const t = randn([3, 4], { generator: new Generator(1) });
    const tensors = {
      f32: t, f64: randn([2, 3], { dtype: 'float64', generator: new Generator(2) }),
      i32: tensor([[-5, 7], [2147483647, -2147483648]], { dtype: 'int32' }),
      scalar: tensor(3.5), empty: zeros([0, 4]), transposed: t.T,
    };
    const back = decodeSafetensors(encodeSafetensors(tensors)).tensors;
    for (const [name, original] of Object.entries(tensors)) {
      const loaded = back.get(name)!;
      expect(loaded.dtype, name).toBe(original.dtype);
      expect(loaded.shape, name).toEqual(original.shape);
      expect(loaded.toFlatArray(), name).toEqual(original.toFlatArray());
    }
  });

  it('rejects a tensor named __metadata__, duplicate names, non-tensors and non-string metadata', () => {
    expect(() => encodeSafetensors({ __metadata__: tensor([1]) })).toThrow(/'__metadata__' is reserved/);
    expect(() => encodeSafetensors([['a', tensor([1])], ['a', tensor([2])]] as [string, Tensor][])).toThrow(/'a' appears twice/);
    expect(() => encodeSafetensors({ a: [1, 2] as unknown as Tensor })).toThrow(/'a' must be a Tensor, got object/);
    expect(() => encodeSafetensors({ a: tensor([1]) }, { epoch: 3 as unknown as string })).toThrow(/metadata values must be strings.*'epoch'/);
  });
});

describe('safetensors reader: other dtypes', () => {
  it('converts F16 and BF16 to float32 exactly, including subnormals, infinities and NaN', () => {
    // Half bits: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), +inf, NaN, 0.333251953125.
    const half = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x7e00, 0x3555]);
    // bfloat16 is the top half of a float32: 1.0, -3.0, 1e-38-ish, 3.140625.
    const bf = Uint16Array.from([0x3f80, 0xc040, 0x006d, 0x4049]);
    const data = new Uint8Array(half.byteLength + bf.byteLength);
    data.set(new Uint8Array(half.buffer), 0);
    data.set(new Uint8Array(bf.buffer), half.byteLength);
    const file = fileFrom({
      h: { dtype: 'F16', shape: [7], data_offsets: [0, 14] },
      b: { dtype: 'BF16', shape: [2, 2], data_offsets: [14, 22] },
    }, data);
    const { tensors } = decodeSafetensors(file);
    const h = tensors.get('h')!;
    expect(h.dtype).toBe('float32');
    const hv = h.toFlatArray();
    expect(hv.slice(0, 5)).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(Number.isNaN(hv[5])).toBe(true);
    expect(hv[6]).toBe(0.333251953125);
    const expectedBf = [0x3f800000, 0xc0400000, 0x006d0000, 0x40490000].map((bits) => new Float32Array(Uint32Array.of(bits).buffer)[0]);
    expect(tensors.get('b')!.toFlatArray()).toEqual(expectedBf);
    expect(tensors.get('b')!.shape).toEqual([2, 2]);
  });

  it('converts I64 (PyTorch num_batches_tracked), I8, U8, BOOL, I16 to int32, and rejects I64 values beyond int32', () => {
    const i64 = new Uint8Array(BigInt64Array.of(123n, -4n).buffer);
    const small = Uint8Array.from([0xff, 7, 1, 0]); // I8 [-1, 7], U8 [1], BOOL [0]
    const i16 = new Uint8Array(Int16Array.of(-300).buffer);
    const data = new Uint8Array([...i64, ...small, ...i16]);
    const { tensors } = decodeSafetensors(fileFrom({
      n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
      s: { dtype: 'I8', shape: [2], data_offsets: [16, 18] },
      u: { dtype: 'U8', shape: [1], data_offsets: [18, 19] },
      flag: { dtype: 'BOOL', shape: [], data_offsets: [19, 20] },
      k: { dtype: 'I16', shape: [1], data_offsets: [20, 22] },
    }, data));
    expect(tensors.get('n')!.dtype).toBe('int32');
    expect(tensors.get('n')!.toFlatArray()).toEqual([123, -4]);
    expect(tensors.get('s')!.toFlatArray()).toEqual([-1, 7]);
    expect(tensors.get('u')!.toFlatArray()).toEqual([1]);
    expect(tensors.get('flag')!.shape).toEqual([]);
    expect(tensors.get('k')!.toFlatArray()).toEqual([-300]);
    const big = fileFrom({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(BigInt64Array.of(2n ** 40n).buffer));
    expect(() => decodeSafetensors(big, 'big.safetensors')).toThrow(/big\.safetensors: tensor "n": I64 value 1099511627776 at index 0 does not fit nnlab's int32/);
  });

  it('names the dtype it knows but cannot convert (F8_E4M3)', () => {
    const file = fileFrom({ q: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
    expect(() => decodeSafetensors(file, 'q.safetensors')).toThrow(/q\.safetensors: tensor "q": dtype F8_E4M3 is valid safetensors but nnlab cannot convert it/);
  });

  it('accepts headers without metadata, with extra whitespace, and files with no tensors', () => {
    const padded = fileFrom(null, f32Bytes([1]), '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}      ');
    expect(decodeSafetensors(padded).tensors.get('x')!.toFlatArray()).toEqual([1]);
    const empty = decodeSafetensors(fileFrom({ __metadata__: { a: 'b' } }));
    expect(empty.tensors.size).toBe(0);
    expect(empty.metadata).toEqual({ a: 'b' });
  });
});

describe('safetensors reader: malformed files throw a FormatError naming the file and the problem', () => {
  const good = { __metadata__: { a: 'b' }, x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const data = f32Bytes([1, 2]);

  const cases: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(5), /the file is 5 bytes, too short for the 8-byte header length/],
    ['a header length over 100 MB', (() => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setBigUint64(0, 100_000_001n, true);
      return b;
    })(), /the header length 100000001 bytes exceeds the 100 MB limit/],
    ['a huge u64 header length', (() => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
      return b;
    })(), /the header length 18446744073709551615 bytes exceeds the 100 MB limit/],
    ['a header length past the end of the file', (() => {
      const b = fileFrom(good, data);
      new DataView(b.buffer).setBigUint64(0, 5000n, true);
      return b;
    })(), /the header length 5000 bytes runs past the end of the file \(\d+ bytes\)/],
    ['a non-JSON header', fileFrom(null, data, '{"x": {dtype: F32}}'), /the header is not valid JSON \(.*\); it starts "\{\\"x\\": \{dtype: F32\}\}"/],
    ['invalid UTF-8', fileFrom(null, new Uint8Array(0), '{}'.replace('}', '\uFFFD}')).map((v, i, a) => (i === a.length - 2 ? 0xff : v)), /the header is not valid UTF-8/],
    ['a header that is an array', fileFrom([1, 2]), /the header must be a JSON object, got an array/],
    ['a header that is a number', fileFrom(42), /the header must be a JSON object, got number/],
    ['a header that is null', fileFrom(null, new Uint8Array(0), 'null'), /the header must be a JSON object, got null/],
    ['duplicate tensor names', fileFrom(null, f32Bytes([1, 2]), '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'),
      /the header has the key "x" twice/],
    ['a duplicate field inside an entry', fileFrom(null, data, '{"x":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}'), /the header has the key "dtype" twice/],
    ['metadata that is not a string map', fileFrom({ __metadata__: { epoch: 3 }, x: good.x }, data), /__metadata__ values must be strings, got number for "epoch"/],
    ['metadata that is an array', fileFrom({ __metadata__: ['a'], x: good.x }, data), /__metadata__ must be an object of strings/],
    ['an entry that is not an object', fileFrom({ x: 'F32' }, data), /tensor "x": the header entry must be an object with dtype, shape and data_offsets, got "F32"/],
    ['an unknown dtype', fileFrom({ x: { ...good.x, dtype: 'F33' } }, data), /tensor "x": unknown dtype "F33" \(known: BOOL, U8/],
    ['a missing dtype', fileFrom({ x: { shape: [2], data_offsets: [0, 8] } }, data), /tensor "x": dtype must be a string, got nothing/],
    ['a negative dimension', fileFrom({ x: { ...good.x, shape: [-2] } }, data), /tensor "x": shape must be an array of non-negative integers, got "\[-2\]"/],
    ['a fractional dimension', fileFrom({ x: { ...good.x, shape: [1.5] } }, data), /shape must be an array of non-negative integers/],
    ['offsets that are not a pair', fileFrom({ x: { ...good.x, data_offsets: [0] } }, data), /tensor "x": data_offsets must be \[begin, end\] with non-negative integers, got "\[0\]"/],
    ['offsets that end before they begin', fileFrom({ x: { ...good.x, data_offsets: [8, 0] } }, data), /tensor "x": data_offsets \[8, 0\] end before they begin/],
    ['offsets past the end of the data', fileFrom({ x: { ...good.x, data_offsets: [0, 12], shape: [3] } }, data), /tensor "x": data_offsets \[0, 12\] are past the end of the 8-byte data buffer/],
    ['overlapping tensors', fileFrom({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data),
      /tensor "y": data_offsets \[4, 8\] overlap tensor "x", which ends at 8/],
    ['a gap between tensors', fileFrom({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data), /tensor "x": data_offsets \[4, 8\] leave bytes \[0, 4\) of the data buffer unused/],
    ['bytes after the last tensor', fileFrom({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data), /the tensors cover 4 bytes, but the data buffer after the header is 8 bytes/],
    ['a shape that needs more bytes than the offsets hold', fileFrom({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data),
      /tensor "x": dtype F32 and shape \[3\] need 12 bytes, but data_offsets \[0, 8\] hold 8/],
    ['a dtype whose size does not match the byte length', fileFrom({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, data),
      /tensor "x": dtype F64 and shape \[2\] need 16 bytes/],
    ['a shape with more than 64 dimensions', fileFrom({ x: { dtype: 'F32', shape: Array(65).fill(1), data_offsets: [0, 4] } }, f32Bytes([1])), /tensor "x": shape has 65 dimensions, more than the 64 nnlab accepts/],
    ['a shape whose element count overflows', fileFrom({ x: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, data), /need \d.*bytes, but data_offsets \[0, 8\] hold 8/],
  ];

  for (const [what, bytes, message] of cases) {
    it(`rejects ${what}`, () => {
      let error: unknown;
      try {
        decodeSafetensors(bytes, 'bad.safetensors');
      } catch (e) {
        error = e;
      }
      expect(error, what).toBeInstanceOf(FormatError);
      expect((error as FormatError).file).toBe('bad.safetensors');
      expect((error as Error).message).toMatch(/^safetensors: bad\.safetensors: /);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('finds duplicate keys at any depth, and not inside strings or arrays', () => {
    expect(findDuplicateKey('{"a":1,"b":{"c":2,"c":3}}')).toBe('c');
    expect(findDuplicateKey('{"a":"\\"a\\"","b":["a","a"],"c":{"a":1}}')).toBeNull();
    expect(findDuplicateKey('{"a\\u0062":1,"ab":2}')).toBe('ab'); // escapes are decoded before comparing
    expect(findDuplicateKey('{"x":[{"k":1},{"k":2}]}')).toBeNull();
  });

  it('checks the header length before reading the rest of a file', async () => {
    const file = path.join(dir, 'huge-header.safetensors');
    const head = new Uint8Array(64);
    new DataView(head.buffer).setBigUint64(0, 10_000n, true);
    await fsp.writeFile(file, head);
    await expect(loadSafetensors(file)).rejects.toThrow(`safetensors: ${file}: the header length 10000 bytes runs past the end of the file (64 bytes)`);
  });
});

class TinyNet extends Module {
  body = new Sequential(new Linear(4, 8, { generator: new Generator(3) }), new ReLU());
  head = new Linear(8, 2, { generator: new Generator(4) });
  forward(x: Tensor): Tensor {
    return this.head.forward(this.body.forward(x));
  }
}

describe('save and load (the notebook API)', () => {
  it('saves a module with metadata (format pt, nnlab version, class and architecture) and loads it back into another', async () => {
    const model = new TinyNet();
    const file = path.join(dir, 'tiny.safetensors');
    const report = await save(model, file);
    expect(report.path).toBe(file);
    expect(report.tensors.map((t) => t.name)).toEqual(['body.0.weight', 'body.0.bias', 'head.weight', 'head.bias']);
    expect(report.numValues).toBe(4 * 8 + 8 + 8 * 2 + 2);
    expect(report.bytes).toBe((await fsp.stat(file)).size);
    expect(String(report)).toMatch(/^Saved 4 tensors \(58 values, \d+ bytes\) to .*tiny\.safetensors\n {2}body\.0\.weight {2}F32 {2}\[8, 4\]/);

    const weights = await load(file);
    expect(weights).toBeInstanceOf(LoadedWeights);
    expect(weights.metadata.format).toBe('pt');
    expect(weights.metadata['nnlab.version']).toBe('0.1.0');
    expect(weights.metadata['nnlab.class']).toBe('TinyNet');
    expect(weights.metadata['nnlab.architecture']).toBe(model.toString());
    expect(String(weights)).toMatch(/^Loaded 4 tensors \(58 values, \d+ bytes\) from .*\n {2}saved by nnlab 0\.1\.0 from a TinyNet\n {2}body\.0\.weight/);

    const other = new TinyNet();
    other.head.weight.data.fill(0);
    other.loadStateDict(weights); // a LoadedWeights is a Map: no conversion needed
    const x = randn([3, 4], { generator: new Generator(9) });
    expect(other.forward(x)).toBeAllClose(model.forward(x), { atol: 0, rtol: 0 });
  });

  it('saves and loads modules with buffers (BatchNorm running stats, int32 num_batches_tracked) and PyTorch names', async () => {
    const model = new Sequential(new Conv2d(1, 2, 3, { generator: new Generator(5) }), new BatchNorm2d(2));
    model.forward(randn([4, 1, 5, 5], { generator: new Generator(6) })); // updates the running stats
    const file = path.join(dir, 'bn.safetensors');
    const report = await save(model, file);
    expect(report.tensors.map((t) => `${t.name}:${t.dtype}`)).toEqual([
      '0.weight:F32', '0.bias:F32', '1.weight:F32', '1.bias:F32', '1.running_mean:F32', '1.running_var:F32', '1.num_batches_tracked:I32',
    ]);
    const fresh = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2));
    await load(file, { into: fresh });
    expect((fresh[1] as BatchNorm2d).running_mean!.toFlatArray()).toEqual((model[1] as BatchNorm2d).running_mean!.toFlatArray());
    expect((fresh[1] as BatchNorm2d).num_batches_tracked!.item()).toBe(1);
  });

  it('saves LSTM weights under PyTorch names (weight_ih_l0, ..., _reverse)', async () => {
    const file = path.join(dir, 'lstm.safetensors');
    const report = await save(new LSTM(3, 4, { bidirectional: true }), file);
    expect(report.tensors.map((t) => `${t.name}${JSON.stringify(t.shape)}`)).toEqual([
      'weight_ih_l0[16,3]', 'weight_hh_l0[16,4]', 'bias_ih_l0[16]', 'bias_hh_l0[16]',
      'weight_ih_l0_reverse[16,3]', 'weight_hh_l0_reverse[16,4]', 'bias_ih_l0_reverse[16]', 'bias_hh_l0_reverse[16]',
    ]);
  });

  it('saves a plain state dict or Map, with user metadata merged over the defaults', async () => {
    const file = path.join(dir, 'dict.safetensors');
    await save(new Map([['a', tensor([1, 2])]]), file, { metadata: { epoch: '3', format: 'nnlab' } });
    const w = await load(file);
    expect(w.metadata).toEqual({ format: 'nnlab', 'nnlab.version': '0.1.0', epoch: '3' });
    expect(w.get('a')!.toFlatArray()).toEqual([1, 2]);
    expect(w.stateDict.a.toFlatArray()).toEqual([1, 2]);
  });

  it('lists every mismatch at once when loading into a model, and changes nothing', async () => {
    const file = path.join(dir, 'mismatch.safetensors');
    await saveSafetensors(file, { 'body.0.weight': zeros([8, 5]), 'body.0.bias': zeros([8]), 'extra.weight': zeros([1]) });
    const model = new TinyNet();
    const before = model.stateDict();
    let error: unknown;
    try {
      await load(file, { into: model });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const message = (error as Error).message;
    expect(message).toMatch(/Missing key\(s\): "head\.weight", "head\.bias"\./);
    expect(message).toMatch(/Unexpected key\(s\): "extra\.weight"\./);
    expect(message).toMatch(/Size mismatch for body\.0\.weight: copying a tensor of shape \[8, 5\], the shape in the current model is \[8, 4\]\./);
    expect(model.body[0].stateDict().weight.toFlatArray()).toEqual(before['body.0.weight'].toFlatArray());
  });

  it('loads partially with strict: false and reports what did not match', async () => {
    const source = new TinyNet();
    const file = path.join(dir, 'partial.safetensors');
    const dict = source.stateDict();
    delete dict['head.weight'];
    dict['unused'] = zeros([2]);
    await saveSafetensors(file, dict);
    const model = new TinyNet();
    const w = await load(file, { into: model, strict: false });
    expect(w.loadedInto).toEqual({ module: 'TinyNet', missingKeys: ['head.weight'], unexpectedKeys: ['unused'] });
    expect(String(w)).toMatch(/loaded into TinyNet: 3 tensors; kept \(not in the file\): head\.weight; ignored \(not in the model\): unused/);
    expect(model.head.bias!.toFlatArray()).toEqual(source.head.bias!.toFlatArray());
  });

  it('fine-tuning: loads all but a resized head with loadWeights (a LoadedWeights is a Map)', async () => {
    const file = path.join(dir, 'lenet10.safetensors');
    const pretrained = new LeNet5({ generator: new Generator(10) });
    await save(pretrained, file);
    const model = new LeNet5({ numClasses: 5 });
    const weights = await load(file);
    expect(() => model.loadStateDict(weights, { strict: false })).toThrow(/Size mismatch for classifier\.5\.weight: copying a tensor of shape \[10, 84\], the shape in the current model is \[5, 84\]/);
    loadWeights(model, weights, { exclude: 'classifier.5' });
    expect(model.features[0].stateDict().weight.toFlatArray()).toEqual(pretrained.features[0].stateDict().weight.toFlatArray());
  });

  it('rejects bad arguments with the function name', async () => {
    await expect(save(new TinyNet(), '')).rejects.toThrow(ArgumentError);
    await expect(save(null as unknown as Module, path.join(dir, 'n.safetensors'))).rejects.toThrow(/save: expected a Module, a state dict or a Map of tensors, got null/);
    await expect(load(path.join(dir, 'missing.safetensors'))).rejects.toThrow(/missing.safetensors: file not found \(working directory /);
    // PyTorch habits: load_state_dict-style argument order
    await expect(load(new TinyNet() as unknown as string)).rejects.toThrow("load: the first argument is the file's path, got a TinyNet module; to load into it, call load('weights.safetensors', { into: model })");
    await expect(save('w.safetensors' as unknown as Module, new TinyNet() as unknown as string)).rejects.toThrow(/save: the arguments are \(model, path\), got a TinyNet module as the path/);
  });
});
