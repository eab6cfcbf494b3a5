import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FormatError, PatchworkError } from '../errors.js';
import { tf } from '../tf.js';
import { expectNoLeaks } from '../testing/index.js';
import { encodeSafetensors } from './safetensors.js';
import { loadSafetensorsFile, openSafetensors, writeSafetensorsFile } from './safetensors-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwork-safetensors-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function sample(): Record<string, tf.Tensor> {
  return {
    big: tf.range(0, 256 * 1024, 1, 'float32'), // 1 MiB
    'layer.bias': tf.tensor([0.5, -0.5]),
    'layer.count': tf.scalar(3, 'int32'),
  };
}

describe('openSafetensors', () => {
  it('exposes keys, metadata and info, and reads tensors on demand', async () => {
    const file = path.join(dir, 'a.safetensors');
    const input = sample();
    writeSafetensorsFile(file, input, { model: 'm' });
    const st = openSafetensors(file);
    expect(st.keys()).toEqual(['big', 'layer.bias', 'layer.count']);
    expect(st.metadata).toEqual({ model: 'm' });
    expect(st.info('layer.count')).toEqual({ dtype: 'I32', shape: [] });
    expect(st.has('big')).toBe(true);
    expect(st.has('nope')).toBe(false);
    const bias = await expectNoLeaks(() => st.read('layer.bias'), 1);
    expect(Array.from(bias.dataSync())).toEqual([0.5, -0.5]);
    const all = await expectNoLeaks(() => st.readAll(), 3);
    for (const [name, t] of Object.entries(input)) expect(Array.from(all[name]!.dataSync())).toEqual(Array.from(t.dataSync()));
    expect(() => st.read('nope')).toThrow(`${file} has no tensor 'nope' (it holds: big, layer.bias, layer.count)`);
    st.close();
    expect(() => st.read('layer.bias')).toThrow(/file is closed/);
    tf.dispose([bias, ...Object.values(all), ...Object.values(input)]);
  });

  it('reads only the header on open and only the requested byte range on read', () => {
    const file = path.join(dir, 'lazy.safetensors');
    const input = sample();
    writeSafetensorsFile(file, input);
    const readSync = vi.spyOn(fs, 'readSync');
    // readSync(fd, buffer, offset, length, position): the typings only know the last overload.
    const args = (): unknown[][] => readSync.mock.calls as unknown[][];
    const bytesRequested = (): number => args().reduce((n, call) => n + (call[3] as number), 0);
    const st = openSafetensors(file);
    const headerBytes = bytesRequested();
    expect(headerBytes).toBeLessThan(1024);
    readSync.mockClear();
    const bias = st.read('layer.bias');
    expect(bytesRequested()).toBe(8);
    expect(args()[0]![4]).toBe(headerBytes + 256 * 1024 * 4); // 'layer.bias' follows 'big'
    st.close();
    tf.dispose([bias, ...Object.values(input)]);
  });

  it('fails clearly for a missing, truncated or non-safetensors file', () => {
    expect(() => openSafetensors(path.join(dir, 'missing.safetensors'))).toThrow(
      expect.objectContaining({ code: 'E_FILE', message: expect.stringContaining('missing.safetensors') }),
    );
    const x = tf.ones([4]);
    const whole = encodeSafetensors({ x });
    x.dispose();
    const truncated = path.join(dir, 'truncated.safetensors');
    fs.writeFileSync(truncated, whole.subarray(0, whole.length - 1));
    expect(() => openSafetensors(truncated)).toThrow(FormatError);
    expect(() => openSafetensors(truncated)).toThrow(`${truncated}: tensor 'x': data ends at byte 16`);
    const text = path.join(dir, 'notes.safetensors');
    fs.writeFileSync(text, 'hello, this is not a tensor file');
    expect(() => openSafetensors(text)).toThrow(/header length \d+ is absurd/);
  });
});

describe('writeSafetensorsFile', () => {
  it('leaves the old file intact and no temporary file when writing fails midway', () => {
    const file = path.join(dir, 'atomic.safetensors');
    const old = { x: tf.tensor([1, 2, 3]) };
    writeSafetensorsFile(file, old);
    const before = fs.readFileSync(file);
    const input = sample();
    const realWrite = fs.writeSync;
    let calls = 0;
    // Header goes through, then the disk "fills up" on the first tensor.
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return (realWrite as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    expect(() => writeSafetensorsFile(file, input)).toThrow(expect.objectContaining({ code: 'E_FILE', message: expect.stringMatching(/cannot write .*ENOSPC/) }));
    expect(calls).toBe(2);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    tf.dispose([...Object.values(old), ...Object.values(input)]);
  });

  it('writes half precision on request', async () => {
    const file = path.join(dir, 'half.safetensors');
    const x = tf.tensor([1, 1 / 3]);
    writeSafetensorsFile(file, { x }, {}, { floatDtype: 'BF16' });
    expect(fs.statSync(file).size).toBeLessThan(200);
    const { tensors } = await expectNoLeaks(() => loadSafetensorsFile(file), 1);
    expect(Array.from(tensors.x!.dataSync())).toEqual([1, 0.333984375]);
    tf.dispose([x, tensors.x!]);
  });

  it('refuses a disposed tensor before touching the file', () => {
    const file = path.join(dir, 'disposed.safetensors');
    const x = tf.ones([1]);
    x.dispose();
    expect(() => writeSafetensorsFile(file, { x })).toThrow(PatchworkError);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('loadSafetensorsFile', () => {
  it('returns every tensor and the metadata, leaking nothing when a tensor fails to decode', async () => {
    const file = path.join(dir, 'load.safetensors');
    const input = sample();
    writeSafetensorsFile(file, input, { a: 'b' });
    const { tensors, metadata } = await expectNoLeaks(() => loadSafetensorsFile(file), 3);
    expect(metadata).toEqual({ a: 'b' });
    expect(Object.keys(tensors)).toEqual(['big', 'layer.bias', 'layer.count']);
    tf.dispose([...Object.values(tensors), ...Object.values(input)]);

    const ids = tf.tensor([1], [1], 'int32');
    const bad = encodeSafetensors({ a: ids, b: ids }, {}, { intDtype: 'I64' });
    ids.dispose();
    new DataView(bad.buffer).setInt32(bad.length - 4, 1, true); // b = 2^32 + 1: not an int32
    const badFile = path.join(dir, 'bad-int.safetensors');
    fs.writeFileSync(badFile, bad);
    await expectNoLeaks(() => expect(() => loadSafetensorsFile(badFile)).toThrow(`${badFile}: tensor 'b': I64 value 4294967297`));
  });
});
