import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FormatError } from '@patchwork/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithCache } from './fetch-cache.js';

// A local server on 127.0.0.1 only: these tests never touch the network.
const payload = crypto.randomBytes(300_000);
const sha = crypto.createHash('sha256').update(payload).digest('hex');
const hits: string[] = [];
let base = '';
let server: http.Server;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/data/blob.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Two chunks with a pause, so the body is streamed rather than sent at once.
      res.write(payload.subarray(0, 100_000));
      setTimeout(() => res.end(payload.subarray(100_000)), 10);
    } else if (req.url === '/data/cut.bin') {
      res.writeHead(200);
      res.end(payload.subarray(0, 1000));
    } else {
      res.writeHead(404);
      res.end('missing');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-cache-'));

describe('fetchWithCache', () => {
  it('downloads once, then serves the verified copy from the cache', async () => {
    const cacheDir = path.join(tmp(), 'nested', 'cache');
    hits.length = 0;
    const file = await fetchWithCache(`${base}/data/blob.bin`, { sha256: sha, cacheDir });
    expect(file).toBe(path.join(cacheDir, 'blob.bin'));
    expect(fs.readFileSync(file).equals(payload)).toBe(true);
    expect(await fetchWithCache(`${base}/data/blob.bin`, { sha256: sha.toUpperCase(), cacheDir })).toBe(file);
    expect(hits).toEqual(['/data/blob.bin']);
    expect(fs.readdirSync(cacheDir)).toEqual(['blob.bin']);
  });

  it('re-downloads a cached file that no longer matches its checksum', async () => {
    const cacheDir = tmp();
    fs.writeFileSync(path.join(cacheDir, 'blob.bin'), 'stale or tampered');
    hits.length = 0;
    await fetchWithCache(`${base}/data/blob.bin`, { sha256: sha, cacheDir });
    expect(hits).toHaveLength(1);
    expect(fs.readFileSync(path.join(cacheDir, 'blob.bin')).equals(payload)).toBe(true);
  });

  it('rejects a checksum mismatch and leaves nothing behind', async () => {
    const cacheDir = tmp();
    const run = (): Promise<string> => fetchWithCache(`${base}/data/cut.bin`, { sha256: sha, cacheDir });
    await expect(run()).rejects.toThrow(FormatError);
    await expect(run()).rejects.toThrow(new RegExp(`cut\\.bin: checksum mismatch: expected sha256 ${sha}, got [0-9a-f]{64}`));
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  it('reports HTTP errors, unreachable hosts and bad arguments', async () => {
    const cacheDir = tmp();
    await expect(fetchWithCache(`${base}/nothing.bin`, { sha256: sha, cacheDir })).rejects.toThrow(/nothing\.bin: download failed \(HTTP 404/);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(fetchWithCache(`http://127.0.0.1:${port}/x.bin`, { sha256: sha, cacheDir })).rejects.toThrow(/x\.bin: download failed/);
    await expect(fetchWithCache(`${base}/data/blob.bin`, { sha256: 'abc', cacheDir })).rejects.toThrow(/64 hex digits/);
    await expect(fetchWithCache(`${base}/`, { sha256: sha, cacheDir })).rejects.toThrow(/pass fileName/);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });
});
