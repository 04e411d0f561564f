/** nnlab's version, for file metadata: read once from the package.json above this file (src or dist layout). */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | null = null;

export function nnlabVersion(): string {
  if (cached !== null) return cached;
  cached = 'unknown';
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nnlab' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // NOTE: no package.json at this level; keep walking up.
    }
    dir = path.dirname(dir);
  }
  return cached;
}
