// Copies the display protocol shared with the kernel layer (kernel/protocol.ts:
// MIME type names and payload types, no imports) into src/protocol.ts, so the
// extension compiles against the kernel's own definitions. The copy is
// generated (ignored by git); edit kernel/protocol.ts instead.
const fs = require('fs');
const path = require('path');

const source = path.resolve(__dirname, '..', '..', '..', 'kernel', 'protocol.ts');
const target = path.resolve(__dirname, '..', 'src', 'protocol.ts');
if (!fs.existsSync(source)) {
  console.error(`nnlab extension: ${source} is missing; the extension is built from the nnlab repository.`);
  process.exit(1);
}
const text = `// GENERATED from kernel/protocol.ts by extension/nnlab-extension/scripts/sync-protocol.js; do not edit.\n${fs.readFileSync(source, 'utf8')}`;
if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== text) fs.writeFileSync(target, text);
