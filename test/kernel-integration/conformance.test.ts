/**
 * The Jupyter kernel conformance suite (jupyter_kernel_test, from Debian's
 * python3-jupyter-kernel-test) against the nnlab kernelspec; the test
 * class with the code samples is conformance.py.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ENV, HERE, PYTHON, ensureKernel } from './helpers';

let report = '';
let status: number | null = null;

beforeAll(() => {
  ensureKernel();
  const r = spawnSync(PYTHON, ['-m', 'unittest', '-v', 'conformance'], { cwd: HERE, env: ENV, encoding: 'utf8', timeout: 300_000 });
  report = r.stderr;
  status = r.status;
}, 320_000);

/** Outcome of each test method from unittest's verbose report ('ok', 'FAIL', 'ERROR', "skipped ''"). */
function outcomes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of report.matchAll(/^(test_\w+) \(conformance\.NnlabKernelTests\.\1\) \.\.\. (.*)$/gm)) out[m[1]] = m[2].trim();
  return out;
}

describe('jupyter_kernel_test on the nnlab kernel', () => {
  it('passes every test that has samples; only the pager (tslab has none) is skipped', () => {
    const o = outcomes();
    expect(Object.keys(o).sort(), report).toEqual([
      'test_clear_output', 'test_completion', 'test_display_data', 'test_error', 'test_execute_result', 'test_execute_stderr',
      'test_execute_stdout', 'test_history', 'test_inspect', 'test_is_complete', 'test_kernel_info', 'test_pager',
    ]);
    for (const [name, result] of Object.entries(o)) {
      if (name === 'test_pager') expect(result).toMatch(/^skipped/);
      else expect(result, `${name}\n${report}`).toBe('ok');
    }
    expect(report).toMatch(/Ran 12 tests/);
    expect(report).toMatch(/OK \(skipped=1\)/);
    expect(status).toBe(0);
  });
});
