// Builds the prebuilt JupyterLab extension:
//   1. src/protocol.ts from kernel/protocol.ts (sync-protocol.js);
//   2. TypeScript src/ -> lib/;
//   3. `build-labextension --core-path ../app .` -> ../app/labextensions/@nnlab/jupyterlab-nnlab
//      (the folder a JupyterLab loads it from; a pip-installed JupyterLab can use
//      the same folder from <sys.prefix>/share/jupyter/labextensions/@nnlab/jupyterlab-nnlab);
//   4. plotly.js (a static file, loaded with a <script> tag on first use) into its static/.
// Options: --development (unminified, with source maps).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const here = path.resolve(__dirname, '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: here, stdio: 'inherit' });
const resolve = spec => require.resolve(spec, { paths: [here] });

run(process.execPath, [path.join(__dirname, 'sync-protocol.js')]);
run(process.execPath, [resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']);
const dev = process.argv.includes('--development') ? ['--development'] : [];
run(process.execPath, [resolve('@jupyterlab/builder/lib/build-labextension.js'), ...dev, '--core-path', path.join(here, '..', 'app'), here]);

const data = require(path.join(here, 'package.json'));
const staticDir = path.join(here, data.jupyterlab.outputDir, 'static');
const plotlyDir = path.dirname(resolve('plotly.js-dist-min/package.json'));
fs.copyFileSync(path.join(plotlyDir, 'plotly.min.js'), path.join(staticDir, 'plotly.min.js'));
fs.copyFileSync(path.join(plotlyDir, 'LICENSE'), path.join(staticDir, 'plotly.LICENSE.txt'));
console.log(`nnlab extension: built into ${path.relative(process.cwd(), path.join(here, data.jupyterlab.outputDir))}`);
