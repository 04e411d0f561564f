// Builds the native backend (native/nnlab.cc over Debian's OpenBLAS) with
// node-gyp: run by `npm ci` (the package's install script) and by
// scripts/setup.sh. It never fails the install: when the addon cannot be
// built (no compiler, no OpenBLAS, no Node headers, another OS) it says why
// in one line, writes the reason to native/build/UNAVAILABLE (which nnlab
// reports in backendInfo()), and nnlab runs on the wasm or js backend.
//
//   node native/build.mjs            build if the sources are newer than the addon
//   node native/build.mjs --force    rebuild
//   NNLAB_NATIVE=off                 do not build (and remove a built addon)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const build = join(here, 'build');
const addon = join(build, 'Release', 'nnlab_native.node');
const marker = join(build, 'UNAVAILABLE');
const sources = ['nnlab.cc', 'binding.gyp', 'build.mjs'].map((f) => join(here, f));

function unavailable(reason) {
  rmSync(addon, { force: true });
  mkdirSync(build, { recursive: true });
  writeFileSync(marker, reason + '\n');
  console.log(`nnlab: native backend not built: ${reason}; nnlab will run on the wasm backend`);
  process.exit(0);
}

if (process.env.NNLAB_NATIVE === 'off') unavailable('NNLAB_NATIVE=off');
if (process.platform !== 'linux' || process.arch !== 'x64') unavailable(`the addon is built for Linux x86-64 only (this is ${process.platform} ${process.arch})`);

const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
if (!process.argv.includes('--force') && existsSync(addon) && statSync(addon).mtimeMs >= newest) process.exit(0);

// npm may run this twice at once (the root package and its `file:` self-link):
// the second waits for the first and then finds the addon up to date.
const lock = join(here, '.build-lock');
for (let waited = 0; ; waited += 200) {
  try {
    mkdirSync(lock);
    break;
  } catch {
    if (waited > 120_000) rmSync(lock, { recursive: true, force: true });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));
if (!process.argv.includes('--force') && existsSync(addon) && statSync(addon).mtimeMs >= newest) process.exit(0);

const probe = spawnSync('pkg-config', ['--exists', 'openblas']);
if (probe.error || probe.status !== 0) unavailable("OpenBLAS not found by pkg-config (Debian: apt-get install libopenblas-dev)");
for (const tool of ['g++', 'make']) {
  const r = spawnSync(tool, ['--version']);
  if (r.error || r.status !== 0) unavailable(`${tool} not found (Debian: apt-get install g++ make)`);
}

// node-gyp: the one npm passes to install scripts, else the one bundled with npm.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter(Boolean);
const gyp = candidates.find((p) => existsSync(p));
if (!gyp) unavailable('node-gyp not found (it ships with npm)');

// Offline: the headers of the running node (Debian's nodejs puts them in
// /usr/include/node), never a download.
const prefix = join(dirname(process.execPath), '..');
const args = [gyp, 'rebuild', `--directory=${here}`];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
else if (!existsSync(join(process.env.HOME ?? '', '.cache', 'node-gyp', process.versions.node, 'include', 'node', 'node_api.h'))) {
  unavailable(`no Node headers for ${process.version} (looked in ${join(prefix, 'include', 'node')})`);
}
const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } });
if (run.error || run.status !== 0 || !existsSync(addon)) {
  const lines = `${run.stdout ?? ''}\n${run.stderr ?? ''}`.split('\n').filter((l) => /error/i.test(l)).slice(0, 3);
  mkdirSync(build, { recursive: true });
  writeFileSync(join(build, 'build.log'), `${run.stdout ?? ''}\n${run.stderr ?? ''}`);
  unavailable(`node-gyp failed (${lines.join(' | ') || run.error?.message || `exit ${run.status}`}; log in native/build/build.log)`);
}
rmSync(marker, { force: true });
// A loadable addon, or the reason it is not.
const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)}).info()`], { encoding: 'utf8' });
if (check.status !== 0) unavailable(`the built addon does not load: ${(check.stderr || '').trim().split('\n')[0]}`);
console.log('nnlab: native backend built over OpenBLAS: native/build/Release/nnlab_native.node');
