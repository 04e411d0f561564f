/**
 * Running the committed notebooks leaves run records (`*.runs.json`),
 * exports (`*.safetensors`, `*.onnx`) and `.ipynb_checkpoints/` beside them:
 * git ignores them, so `git status` stays clean after a lesson.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const isGitCheckout = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: ROOT }).status === 0;

describe.runIf(isGitCheckout)('files the notebooks write', () => {
  it.each([
    'notebooks/03-cnn.runs.json', 'notebooks/02-mlp.run.json', 'notebooks/lenet5.safetensors', 'notebooks/lenet5.onnx',
    'notebooks/.ipynb_checkpoints/03-cnn-checkpoint.ipynb', 'my-course/.ipynb_checkpoints/x-checkpoint.ipynb',
  ])('git ignores %s', (path) => {
    expect(spawnSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: ROOT }).status).toBe(0);
  });

  it('does not ignore the notebooks themselves or their sources', () => {
    for (const path of ['notebooks/03-cnn.ipynb', 'notebooks/src/03-cnn.ts']) {
      expect(spawnSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: ROOT }).status, path).toBe(1);
    }
    expect(execFileSync('git', ['ls-files', 'notebooks/03-cnn.ipynb'], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe('notebooks/03-cnn.ipynb');
  });
});
