#!/usr/bin/env node
// Times the web app in headless Chromium, on the built site (dist/), and prints JSON:
//  - epochSeconds: in-browser training time of each epoch (default network: 28 sigmoid
//    units, batch 32, all 60,000 images), as measured by the worker (training only);
//  - secondsTo95: from pressing Train (data fetch included) until a test accuracy >= 95%;
//  - moveMs: preprocessing + prediction for one pointer move (median and 95th percentile
//    over 300 calls on a drawn digit, getImageData included);
//  - readyMs: from navigation to a page that predicts (wasm and default model loaded);
//  - gzipBytes: the JS and wasm the page loads to read a digit (each file gzip -9), without model and data (nor the
//    workers' and the feeder's files).
//
//   node scripts/browser-train-timing.mjs [--epochs N]   (default 3 epochs, then stop)

import fs from 'node:fs';
import zlib from 'node:zlib';
import { serve } from './serve.mjs';
import { drawStrokes } from './screenshots.mjs';
import { launchChromium } from './chromium.mjs';

const arg = process.argv.indexOf('--epochs');
const epochs = arg > 0 ? Number(process.argv[arg + 1]) : 3;

// What the page loads to read its first digit (as scripts/build-site.sh counts it): not the workers' files nor the
// feeder's, loaded when a worker starts.
const gzipBytes = ['sw.js', 'www/main.js', 'www/i18n.js', 'www/pkg/page.js', 'www/pkg/page_bg.wasm']
  .reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(`dist/${f}`), { level: 9 }).length, 0);

const { server, url } = await serve('dist', 0);
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  const readyMs = await page.evaluate(() => window.handwritten.timing.readyMs);

  await drawStrokes(page, [[[0.3, 0.2], [0.7, 0.2], [0.45, 0.8]], [[0.35, 0.5], [0.65, 0.5]]]);
  const samples = await page.evaluate(() => {
    const { predictNow, timing } = window.handwritten;
    const out = [];
    for (let i = 0; i < 300; i++) {
      predictNow();
      out.push(timing.last);
    }
    return out.sort((a, b) => a - b);
  });
  const moveMs = { median: samples[150], p95: samples[285] };

  await page.fill('#epochs', String(Math.max(epochs, 10)));
  const t0 = Date.now();
  await page.click('#train');
  await page.waitForFunction(() => Number(document.querySelector('#train-status').dataset.testAccuracy) >= 0.95, null, { timeout: 120000, polling: 50 });
  const secondsTo95 = (Date.now() - t0) / 1000;
  const epochSeconds = [];
  const testAccuracy = [];
  for (let e = 1; e <= epochs; e++) {
    await page.waitForFunction((n) => Number(document.querySelector('#train-status').dataset.epoch) >= n, e, { timeout: 120000 });
    const row = await page.$$eval('#epochs-table tbody tr', (rows, n) => [...rows[n - 1].cells].map((c) => c.textContent), e);
    testAccuracy.push(Number(row[3].replace('%', '')) / 100);
    epochSeconds.push(Number(row[4]));
  }
  await page.click('#stop');
  await page.waitForSelector('#train-status[data-state=done]');
  console.log(JSON.stringify({ browser: `chromium ${browser.version()}`, readyMs, epochSeconds, testAccuracy, secondsTo95, moveMs, gzipBytes }, null, 1));
} finally {
  await browser.close();
  server.close();
}
