#!/usr/bin/env node
'use strict';
// nnlab's Jupyter kernel: tslab with nnlab's display, queries and interrupts
// (kernel/src/launcher.ts, built to dist/ by `npm run build`). The kernelspec
// written by scripts/setup-jupyter.sh runs this file.
const path = require('path');
const launcher = path.join(__dirname, '..', '..', 'dist', 'kernel', 'src', 'launcher.js');
let mod;
try {
  mod = require(launcher);
} catch (err) {
  process.stderr.write(`nnlab kernel: cannot load ${launcher}; run \`npm run build\` first.\n${err && err.stack}\n`);
  process.exit(1);
}
mod.main(process.argv.slice(2));
