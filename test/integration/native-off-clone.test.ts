// A clone with the native addon forced off (NNLAB_NATIVE=off) installs and
// passes: the package's install step (what `npm ci` runs for the project,
// node_modules shared with this checkout) succeeds without building the
// addon and says why, and the kernel tests then pass on the js and wasm
// backends alone in that clone.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const isGitCheckout = existsSync(join(ROOT, '.git'));

describe.runIf(isGitCheckout)('a clone with the native addon forced off', () => {
  it('installs, says why there is no native backend, and passes the kernel tests on js and wasm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-clone-'));
    try {
      const clone = join(dir, 'nnlab');
      execFileSync('git', ['clone', '--quiet', '--local', '--no-hardlinks', ROOT, clone]);
      symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
      // Without VITEST_* variables the inner vitest runs as a fresh one.
      const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
      Object.assign(env, { NNLAB_NATIVE: 'off', NNLAB_BACKEND: '', NO_COLOR: '1', FORCE_COLOR: '0' });
      const install = spawnSync('npm', ['run', 'install', '--silent'], { cwd: clone, env, encoding: 'utf8' });
      expect(install.status, install.stderr).toBe(0);
      expect(install.stdout).toMatch(/nnlab: native backend not built: NNLAB_NATIVE=off; nnlab will run on the wasm backend/);
      expect(readFileSync(join(clone, 'native', 'build', 'UNAVAILABLE'), 'utf8').trim()).toBe('NNLAB_NATIVE=off');
      expect(existsSync(join(clone, 'native', 'build', 'Release', 'nnlab_native.node'))).toBe(false);
      const tests = spawnSync(process.execPath, [join(clone, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/speed/native.test.ts', 'test/core/matmul.test.ts'], {
        cwd: clone, env, encoding: 'utf8',
      });
      const out = `${tests.stdout}\n${tests.stderr}`;
      expect(tests.status, out.slice(-3000)).toBe(0);
      expect(out).toMatch(/Test Files\s+2 passed \(2\)/);
      // The addon's own checks are skipped there, the js/wasm comparisons run.
      expect(out).toMatch(/Tests\s+\d+ passed \| \d+ skipped/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
