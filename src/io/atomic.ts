/**
 * Atomic file writes: the bytes go to a temporary file in the same directory,
 * are flushed to disk (`fsync`), and the temporary file is renamed over the
 * target. A rename within one file system is atomic, so a reader (or a crash)
 * sees either the old file or the complete new one, never half a file. If
 * anything fails before the rename, the temporary file is removed and the old
 * file is untouched.
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
