/**
 * Atomic file writes: the bytes go to a temporary file in the same directory,
 * are flushed to disk (`fsync`), and the temporary file is renamed over the
 * target. A rename within one file system is atomic, so a reader (or a crash)
 * sees either the old file or the complete new one, never half a file. If
 * anything fails before the rename, the temporary file is removed and the old
 * file is untouched. A writer killed mid-write (kill -9, power loss) cannot
 * clean up; its `.<name>.<pid>.<hex>.tmp` is removed by the next write to the
 * same target once that pid is no longer running.
 *
 * @example await writeFileAtomic('model.safetensors', [header, data]);  // resolves to the byte count
 */
import { promises as fsp, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Bytes to write: one buffer, or chunks (an iterable, possibly lazy, is consumed once). */
export type Chunks = Uint8Array | Iterable<Uint8Array>;

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644, before the umask). */
  mode?: number;
}

/** `.name.<random>.tmp` beside the target: same directory, so the rename never crosses file systems. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `chunks` to `target` atomically (temp file, fsync, rename, then a
 * best-effort fsync of the directory so the rename itself is durable).
 * Resolves to the number of bytes written. On failure the temporary file is
 * removed, the old `target` (if any) is left as it was, and the error is rethrown.
 */
export async function writeFileAtomic(target: string, chunks: Chunks, opts: AtomicWriteOptions = {}): Promise<number> {
  await removeStaleTempFiles(target);
  const tmp = tempPathFor(target);
  // 'wx': fail rather than follow a symlink or reuse a file someone else made under our name.
  const handle = await fsp.open(tmp, 'wx', opts.mode ?? 0o644);
  let bytes = 0;
  let renamed = false;
  try {
    const list = chunks instanceof Uint8Array ? [chunks] : chunks;
    for (const chunk of list) {
      let done = 0;
      while (done < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done);
        done += bytesWritten;
      }
      bytes += done;
    }
    await handle.sync();
    await handle.close();
    await fsp.rename(tmp, target);
    renamed = true;
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
    }
  }
  await syncDirectory(path.dirname(target));
  return bytes;
}

/** True unless no process has this id (`kill(pid, 0)` fails with ESRCH); EPERM means alive but not ours. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the temporary files a killed writer left beside `target`
 * (`.<name>.<pid>.<hex>.tmp` whose pid is no longer running). Temp files of
 * live writers, and of other targets, are left alone. Best effort: a
 * directory that cannot be listed is not an error here.
 * @example await removeStaleTempFiles('model.safetensors')  // resolves to the names removed
 */
export async function removeStaleTempFiles(target: string): Promise<string[]> {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      await fsp.rm(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // NOTE: another writer may be removing it at the same moment; nothing to do.
    }
  }
  return removed;
}

/** fsync a directory so a rename in it survives a power loss; not possible on every platform, so best effort. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // NOTE: Windows cannot open a directory; some file systems refuse fsync on one. The data itself is synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
