// The committed wasm binary (src/kernels/wasm/module.ts) is exactly what the
// AssemblyScript sources in assembly/ compile to (scripts/build-wasm.mjs --check).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('wasm build', () => {
  it('src/kernels/wasm/module.ts matches assembly/*.ts', () => {
    const root = join(__dirname, '../..');
    const r = spawnSync(process.execPath, [join(root, 'scripts/build-wasm.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/matches assembly/);
    expect(r.status).toBe(0);
  }, 120_000);
});
