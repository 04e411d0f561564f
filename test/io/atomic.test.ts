import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Tensor, Generator as Rng, randn } from '../../src';
import { writeFileAtomic, save, load, serializeSafetensors } from '../../src/io';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const OLD = 'the old, complete file\n';

describe('writeFileAtomic', () => {
  it('writes all chunks and resolves to the byte count, leaving only the target in the directory', async () => {
    const target = path.join(dir, 'out.bin');
    const n = await writeFileAtomic(target, [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]);
    expect(n).toBe(3);
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('replaces an existing file', async () => {
    const target = path.join(dir, 'out.txt');
    writeFileSync(target, OLD);
    await writeFileAtomic(target, new TextEncoder().encode('new'));
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('a failure in the middle of writing leaves the old file intact and no temporary file', async () => {
    const target = path.join(dir, 'model.safetensors');
    writeFileSync(target, OLD);
    const seenDuringWrite: string[] = [];
    function* chunks(): Generator<Uint8Array> {
      for (let i = 0; i < 8; i++) {
        yield new Uint8Array(256 * 1024).fill(i);
        // Mid-write: a reader sees the old file, and the partial data lives only in a temp file.
        seenDuringWrite.push(readFileSync(target, 'utf8'));
        const temps = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
        expect(temps).toHaveLength(1);
        expect(temps[0]).toMatch(/^\.model\.safetensors\.\d+\.[0-9a-f]{12}\.tmp$/);
        expect(statSync(path.join(dir, temps[0])).size).toBe((i + 1) * 256 * 1024);
        if (i === 4) throw new Error('disk on fire');
      }
    }
    await expect(writeFileAtomic(target, chunks())).rejects.toThrow('disk on fire');
    expect(seenDuringWrite).toEqual(Array(5).fill(OLD));
    expect(readFileSync(target, 'utf8')).toBe(OLD);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('a failing rename (the target is a directory) removes the temporary file', async () => {
    const target = path.join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(path.join(target, 'keep'), 'x');
    await expect(writeFileAtomic(target, Uint8Array.of(1))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(path.join(target, 'keep'), 'utf8')).toBe('x');
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'no', 'such', 'file'), Uint8Array.of(1))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('save is atomic', () => {
  it('a save that fails while serialising keeps the previous checkpoint loadable', async () => {
    const target = path.join(dir, 'ckpt.safetensors');
    const first = { w: randn([64, 64], { generator: new Rng(1) }) };
    await save(first, target);
    // A tensor whose data cannot be read half-way through the state dict: the save fails before any rename.
    const broken = { w: randn([64, 64]), bad: Object.create(Tensor.prototype) as Tensor };
    await expect(save(broken, target)).rejects.toThrow();
    const back = await load(target);
    expect(back.get('w')!.toFlatArray()).toEqual(first.w.toFlatArray());
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
  });

  it('an interruption between chunks of a real safetensors file leaves the old file and no temp file', async () => {
    const target = path.join(dir, 'ckpt.safetensors');
    await save({ w: randn([8]) }, target);
    const before = readFileSync(target);
    const { chunks } = serializeSafetensors({ a: randn([1000]), b: randn([1000]) });
    function* interrupted(): Generator<Uint8Array> {
      yield chunks[0];
      yield chunks[1];
      throw new Error('interrupted');
    }
    await expect(writeFileAtomic(target, interrupted())).rejects.toThrow('interrupted');
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
  });
});
