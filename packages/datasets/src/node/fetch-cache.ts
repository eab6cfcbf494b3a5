import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { FormatError, PatchworkError } from '@patchwork/tensor-core';

/** Options for {@link fetchWithCache}. */
export interface FetchCacheOptions {
  /** Expected SHA-256 of the file (64 hex digits). Required: nothing unverified enters the cache. */
  sha256: string;
  /** Folder of the cache; created if missing. */
  cacheDir: string;
  /** Name in the cache; default the last segment of the URL path. */
  fileName?: string;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Return the path of `url`'s content in `cacheDir`, downloading it only when the cached copy is
 * missing or does not match `sha256`. The body is streamed to a temporary file in the same
 * folder while hashing and renamed into place only if the checksum matches, so readers never
 * see a partial or wrong file and concurrent fetches of the same file are safe.
 *
 * @throws FormatError on a checksum mismatch (nothing is cached); PatchworkError `E_FILE` on
 *   an HTTP or network failure.
 */
export async function fetchWithCache(url: string, { sha256, cacheDir, fileName }: FetchCacheOptions): Promise<string> {
  const expected = sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new PatchworkError('E_ARGUMENT', `fetchWithCache: sha256 must be 64 hex digits, got '${sha256}'`);
  const name = fileName ?? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    throw new PatchworkError('E_ARGUMENT', `fetchWithCache: cannot derive a file name from ${url}; pass fileName`);
  }
  const dest = path.join(cacheDir, name);
  if (fs.existsSync(dest) && (await sha256OfFile(dest)) === expected) return dest;

  await fsp.mkdir(cacheDir, { recursive: true });
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new PatchworkError('E_FILE', `${url}: download failed (${(err as Error).message})`, { cause: err });
  }
  if (!response.ok || response.body === null) throw new PatchworkError('E_FILE', `${url}: download failed (HTTP ${response.status} ${response.statusText})`);

  const tmp = `${dest}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.part`;
  const hash = crypto.createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream), hashing, fs.createWriteStream(tmp));
    const actual = hash.digest('hex');
    if (actual !== expected) throw new FormatError(`${url}: checksum mismatch: expected sha256 ${expected}, got ${actual}`);
    await fsp.rename(tmp, dest);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    if (err instanceof PatchworkError) throw err;
    throw new PatchworkError('E_FILE', `${url}: download failed (${(err as Error).message})`, { cause: err });
  }
  return dest;
}
