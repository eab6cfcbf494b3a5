// Small synchronous file helpers shared by the Node-only io modules. They call through the `fs`
// default export (not named imports) so tests can observe and fail individual reads and writes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FormatError, PatchworkError } from '../errors.js';

/** Turn an OS error (ENOENT, EACCES, ENOSPC, …) into an E_FILE error; Patchwork errors pass through. */
export function fileError(err: unknown, what: string): Error {
  if (err instanceof PatchworkError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PatchworkError('E_FILE', `${what}: ${message}`, { cause: err });
}

/** Read exactly `length` bytes at `position`; a short read means the file shrank or is truncated. */
export function readExactly(fd: number, position: number, length: number, source: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new FormatError(`${source}: unexpected end of file at byte ${position + done} (wanted ${length} bytes from ${position}); truncated?`);
    done += n;
  }
  return out;
}

/** Write all of `bytes` at the current position (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Replace `target` so that readers, and a process killed at any moment, see either the old file or
 * the complete new one: `write` fills a temporary file in the same directory (same filesystem, so
 * the rename is atomic), which is fsynced, renamed over `target`, and then the directory is fsynced
 * so the rename itself survives a power loss. On error the temporary file is removed and `target`
 * is untouched.
 */
export function writeFileAtomic(target: string, write: (fd: number) => void): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw fileError(err, `cannot write ${target}`);
  }
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  // Windows cannot open a directory for fsync; its rename is durable enough without it.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
