// End-to-end: build the demo, serve dist/ on 127.0.0.1, drive Debian's Chromium with playwright-core,
// run every available tab's model and check its output; a screenshot per tab goes to test-artifacts/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './server.js';

const APP = path.resolve(import.meta.dirname, '..');
const ARTIFACTS = path.join(APP, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let context: BrowserContext;
let page: Page;
let server: Awaited<ReturnType<typeof serveStatic>>;
let profile: string;
const consoleErrors: string[] = [];

const BASE_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A persistent context on a fresh, empty profile dir (Playwright's form of --user-data-dir). */
async function launch(userDataDir: string, extraArgs: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 760 },
    args: [...BASE_ARGS, ...extraArgs],
  });
  return { context: ctx, page: ctx.pages()[0] ?? (await ctx.newPage()) };
}

const wasmTop1: number[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function openTab(name: string): Promise<void> {
  await page.click(`nav button[data-tab="${name}"]`);
  await page.waitForSelector(`#tab-${name}:not([hidden])`);
}

/** RGBA pixels of a canvas as grey values (R channel; every canvas here is grey). */
async function canvasGrey(id: string): Promise<number[]> {
  return page.evaluate((cid) => {
    const c = document.getElementById(cid) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: c.width * c.height }, (_, i) => d[4 * i]!);
  }, id);
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the demo e2e tests need Debian's chromium — run \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  }
  execFileSync(path.join(APP, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: APP, stdio: 'inherit' });
  server = await serveStatic(path.join(APP, 'dist'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-web-chromium-'));
  // A browser without WebGL (Chromium would fall back to SwiftShader even with --disable-gpu, so
  // the page's WebGL contexts are refused outright): initBackend() must fall back to wasm.
  ({ context, page } = await launch(profile, ['--disable-gpu']));
  await context.addInitScript(() => {
    const refuse = (proto: { getContext: (...a: never[]) => unknown }) => {
      const original = proto.getContext;
      proto.getContext = function (this: unknown, ...args: never[]) {
        return /webgl/i.test(String(args[0])) ? null : original.apply(this, args);
      };
    };
    refuse(HTMLCanvasElement.prototype as never);
    if (typeof OffscreenCanvas !== 'undefined') refuse(OffscreenCanvas.prototype as never);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"], body[data-backend="error"]', { timeout: 120_000 });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

describe('demo-web in headless Chromium without WebGL (wasm)', () => {
  it('falls back from webgl to wasm when the browser has no WebGL', async () => {
    console.log(`backend: ${await page.textContent('#backend')}`);
    expect(await page.getAttribute('body', 'data-backend')).toBe('wasm');
  });

  it('classification: the bundled checkpoint labels the bundled test images', async () => {
    await openTab('classify');
    await page.click('#cls-load-bundled');
    await page.waitForSelector('#tab-classify[data-weights="ready"]');
    expect(await page.textContent('#cls-weights')).toContain('small-cnn');
    const results: { label: number; top1: number; top3: number[] }[] = [];
    for (let label = 0; label < 10; label++) {
      await page.click(`canvas[data-testid="sample-${label}"]`);
      await page.click('#cls-run');
      await page.waitForSelector('#tab-classify[data-state="done"]');
      const top3 = await page.$$eval('#cls-top3 li', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.label)));
      results.push({ label, top1: top3[0]!, top3 });
      await page.evaluate(() => delete (document.getElementById('tab-classify') as HTMLElement).dataset.state);
    }
    console.log('classification', JSON.stringify(results));
    wasmTop1.push(...results.map((r) => r.top1));
    expect(results.every((r) => r.top3.length === 3)).toBe(true);
    const correct = results.filter((r) => r.top1 === r.label).length;
    const inTop3 = results.filter((r) => r.top3.includes(r.label)).length;
    console.log(`top-1 ${correct}/10, top-3 ${inTop3}/10`);
    expect(correct).toBeGreaterThanOrEqual(7);
    // Trouser (1) and Bag (8) are unambiguous classes for a 76 %-accurate model.
    expect(results[1]!.top1).toBe(1);
    expect(results[8]!.top1).toBe(8);
    // Leave a trouser on screen for the screenshot.
    await page.click('canvas[data-testid="sample-1"]');
    await page.click('#cls-run');
    await page.waitForSelector('#tab-classify[data-state="done"]');
    await shot('classify');
  });

  it('classification: a drawing on the canvas is classified', async () => {
    await openTab('classify');
    await page.click('#cls-clear');
    const box = (await page.locator('#cls-input').boundingBox())!;
    // A vertical bar, trouser-like: two strokes down the middle.
    for (const dx of [0.42, 0.58]) {
      await page.mouse.move(box.x + box.width * dx, box.y + box.height * 0.1);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * dx, box.y + box.height * 0.9, { steps: 12 });
      await page.mouse.up();
    }
    const drawn = await canvasGrey('cls-input');
    expect(drawn.filter((v) => v > 128).length).toBeGreaterThan(20);
    await page.evaluate(() => delete (document.getElementById('tab-classify') as HTMLElement).dataset.state);
    await page.click('#cls-run');
    await page.waitForSelector('#tab-classify[data-state="done"]');
    const top3 = await page.$$eval('#cls-top3 li', (lis) => lis.map((li) => li.textContent ?? ''));
    console.log(`drawing → ${top3.join(' | ')}`);
    expect(top3).toHaveLength(3);
    await shot('classify-drawing');
  });

  it('classification: a checkpoint of another model fails with the loadStateDict error', async () => {
    await openTab('classify');
    await page.setInputFiles('#cls-file', path.join(APP, 'public/weights/mae-micro-fashion.safetensors'));
    await page.waitForSelector('#tab-classify[data-weights="error"]');
    const msg = (await page.textContent('#cls-weights')) ?? '';
    expect(msg).toContain('cannot load state dict into SmallConvNet');
    expect(msg).toContain('missing key: conv1.weight');
    expect(msg).toContain("checkpoint of 'mae_vit_micro_patch4_28'");
    await shot('classify-wrong-checkpoint');
  });

  it('MAE: the trained checkpoint fills in masked patches', async () => {
    await openTab('mae');
    await page.click('#mae-load');
    await page.waitForSelector('#tab-mae[data-weights="ready"]');
    expect(await page.getAttribute('#tab-mae', 'data-trained')).toBe('true');
    await page.click('canvas[data-testid="sample-1"] >> nth=1'); // second strip: the MAE tab's
    await page.fill('#mae-ratio', '0.75');
    await page.click('#mae-run');
    await page.waitForSelector('#tab-mae[data-state="done"]');
    const orig = await canvasGrey('mae-original');
    const masked = await canvasGrey('mae-masked');
    const recon = await canvasGrey('mae-recon');
    const maskBits = (await page.getAttribute('#mae-out', 'data-mask'))!;
    const p = Number(await page.getAttribute('#mae-out', 'data-patch'));
    expect(maskBits.length).toBe(49);
    expect([...maskBits].filter((b) => b === '1').length).toBe(49 - Math.floor(49 * 0.25));
    const grid = 28 / p;
    const isMasked = (i: number) => maskBits[Math.floor(Math.floor(i / 28) / p) * grid + Math.floor((i % 28) / p)] === '1';
    let maskedPx = 0;
    let diff = 0;
    let errRecon = 0;
    let errGrey = 0;
    for (let i = 0; i < 784; i++) {
      if (isMasked(i)) {
        maskedPx++;
        expect(Math.abs(masked[i]! - 128)).toBeLessThanOrEqual(1); // masked input shows mid-grey
        diff += Math.abs(recon[i]! - orig[i]!);
        errRecon += (recon[i]! - orig[i]!) ** 2;
        errGrey += (128 - orig[i]!) ** 2;
      } else {
        expect(masked[i]).toBe(orig[i]); // visible patches are the input
      }
    }
    const mean = recon.reduce((a, b) => a + b, 0) / recon.length;
    const std = Math.sqrt(recon.reduce((a, b) => a + (b - mean) ** 2, 0) / recon.length);
    console.log(`MAE: masked px ${maskedPx}, recon std ${std.toFixed(1)}, masked-region MSE recon ${(errRecon / maskedPx).toFixed(0)} vs grey ${(errGrey / maskedPx).toFixed(0)}`);
    expect(std).toBeGreaterThan(10); // not an empty / flat canvas
    expect(diff / maskedPx).toBeGreaterThan(1); // a reconstruction, not a copy of the input
    expect(errRecon).toBeLessThan(errGrey); // and better than leaving the hole grey
    await shot('mae');
  });

  it('MAE: random-init weights are labelled untrained', async () => {
    await openTab('mae');
    await page.selectOption('#mae-source', 'random');
    await page.click('#mae-load');
    await page.waitForSelector('#tab-mae[data-trained="false"]');
    expect(await page.textContent('#mae-badge')).toContain('UNTRAINED');
    await page.evaluate(() => delete (document.getElementById('tab-mae') as HTMLElement).dataset.state);
    await page.click('#mae-run');
    await page.waitForSelector('#tab-mae[data-state="done"]');
    await shot('mae-untrained');
  });

  it('inpainting: brush, eraser and undo edit the mask; inpaint fills only the holes; re-roll; download', async () => {
    await openTab('inpaint');
    await page.click('#mat-load');
    await page.waitForSelector('#tab-inpaint[data-weights="ready"]');
    console.log(`MAT weights: ${await page.textContent('#mat-weights')}`);
    const holes = async () => Number(await page.getAttribute('#tab-inpaint', 'data-holes'));
    const box = (await page.locator('#mat-mask-canvas').boundingBox())!;
    const stroke = async (y: number) => {
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * y, { steps: 10 });
      await page.mouse.up();
    };
    await page.fill('#mat-brush', '8');
    await stroke(0.4);
    const one = await holes();
    expect(one).toBeGreaterThan(200);
    await stroke(0.7);
    expect(await holes()).toBeGreaterThan(one);
    await page.click('#mat-undo');
    expect(await holes()).toBe(one);
    await page.check('#mat-eraser');
    await page.fill('#mat-brush', '4');
    await stroke(0.4);
    const erased = await holes();
    expect(erased).toBeLessThan(one);
    await page.click('#mat-undo');
    expect(await holes()).toBe(one);
    await page.uncheck('#mat-eraser');

    const rgba = (id: string) =>
      page.evaluate((cid) => {
        const c = document.getElementById(cid) as HTMLCanvasElement;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      }, id);
    const holeMask = await page.evaluate(() => {
      const c = document.getElementById('mat-mask-canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return Array.from({ length: c.width * c.height }, (_, i) => d[4 * i + 3]! > 0);
    });
    expect(holeMask.filter(Boolean).length).toBe(one);
    await page.click('#mat-run');
    await page.waitForSelector('#tab-inpaint[data-state="done"]');
    const input = await rgba('mat-image-canvas');
    const out0 = await rgba('mat-output');
    let knownDiff = 0;
    let holeDiff = 0;
    for (let i = 0; i < holeMask.length; i++) {
      const d = Math.abs(out0[4 * i]! - input[4 * i]!) + Math.abs(out0[4 * i + 1]! - input[4 * i + 1]!) + Math.abs(out0[4 * i + 2]! - input[4 * i + 2]!);
      if (holeMask[i]) holeDiff += d;
      else knownDiff = Math.max(knownDiff, d);
    }
    console.log(`MAT: known pixels max |Δ| ${knownDiff}, hole mean |Δ| ${(holeDiff / one).toFixed(1)}`);
    expect(knownDiff).toBeLessThanOrEqual(3); // known pixels pass through (8-bit round trip)
    expect(holeDiff / one).toBeGreaterThan(1); // the holes are generated, not the original pixels
    await shot('inpaint');

    await page.evaluate(() => delete (document.getElementById('tab-inpaint') as HTMLElement).dataset.state);
    await page.click('#mat-reroll');
    await page.waitForSelector('#tab-inpaint[data-state="done"]');
    expect(await page.getAttribute('#tab-inpaint', 'data-seed')).toBe('1');
    const out1 = await rgba('mat-output');
    expect(out1).not.toEqual(out0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#mat-download button')]);
    expect(download.suggestedFilename()).toBe('inpainted.png');
    const saved = path.join(ARTIFACTS, 'inpaint-download.png');
    await download.saveAs(saved);
    expect([...fs.readFileSync(saved).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('tokenizer tab says plainly that it is not available yet', async () => {
    for (const tab of ['tokenizer']) {
      await openTab(tab);
      expect(await page.textContent(`#tab-${tab} [data-testid="unavailable"]`)).toContain('Not yet available');
      expect(await page.$$(`#tab-${tab} canvas`)).toHaveLength(0);
      await shot(tab);
    }
  });

  it('logged no page errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('demo-web on webgl (SwiftShader, software GL)', () => {
  let glContext: BrowserContext;
  let glPage: Page;
  let glProfile: string;
  const glErrors: string[] = [];

  beforeAll(async () => {
    glProfile = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-web-chromium-gl-'));
    ({ context: glContext, page: glPage } = await launch(glProfile, ['--use-angle=swiftshader', '--enable-unsafe-swiftshader']));
    glPage.on('pageerror', (e) => glErrors.push(e.message));
    glPage.on('console', (m) => {
      if (m.type() === 'error') glErrors.push(m.text());
    });
    await glPage.goto(server.url);
    await glPage.waitForSelector('body[data-ready="true"], body[data-backend="error"]', { timeout: 120_000 });
  });

  afterAll(async () => {
    await glContext?.close();
    if (glProfile) fs.rmSync(glProfile, { recursive: true, force: true });
  });

  it('initBackend() picks webgl when the browser has WebGL, and the classifier agrees with wasm', async () => {
    expect(await glPage.getAttribute('body', 'data-backend')).toBe('webgl');
    await glPage.click('#cls-load-bundled');
    await glPage.waitForSelector('#tab-classify[data-weights="ready"]');
    const top1: number[] = [];
    for (let label = 0; label < 10; label++) {
      await glPage.evaluate(() => delete (document.getElementById('tab-classify') as HTMLElement).dataset.state);
      await glPage.click(`canvas[data-testid="sample-${label}"]`);
      await glPage.click('#cls-run');
      await glPage.waitForSelector('#tab-classify[data-state="done"]');
      top1.push(Number(await glPage.getAttribute('#cls-top3', 'data-top1')));
    }
    console.log(`webgl top-1 ${JSON.stringify(top1)}, wasm ${JSON.stringify(wasmTop1)}`);
    expect(top1).toEqual(wasmTop1);
    await glPage.screenshot({ path: path.join(ARTIFACTS, 'classify-webgl.png'), fullPage: true });
  });

  it('MAE and MAT run on webgl', async () => {
    await glPage.click('nav button[data-tab="mae"]');
    await glPage.click('#mae-load');
    await glPage.waitForSelector('#tab-mae[data-weights="ready"]');
    await glPage.click('#mae-run');
    await glPage.waitForSelector('#tab-mae[data-state="done"]');
    await glPage.click('nav button[data-tab="inpaint"]');
    await glPage.click('#mat-load');
    await glPage.waitForSelector('#tab-inpaint[data-weights="ready"]');
    const box = (await glPage.locator('#mat-mask-canvas').boundingBox())!;
    await glPage.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await glPage.mouse.down();
    await glPage.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 8 });
    await glPage.mouse.up();
    await glPage.click('#mat-run');
    await glPage.waitForSelector('#tab-inpaint[data-state="done"], #tab-inpaint[data-state="error"]');
    expect(await glPage.textContent('#mat-status')).toMatch(/^filled \d+ pixels$/);
    await glPage.screenshot({ path: path.join(ARTIFACTS, 'inpaint-webgl.png'), fullPage: true });
    expect(glErrors).toEqual([]);
  });
});
