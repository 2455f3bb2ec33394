#!/usr/bin/env node
// How long the page takes to follow one stroke: a closed loop of 300 pointer moves drawn on the pad through
// Playwright's mouse, in headless Chromium on the built site (dist/) served on the loopback by scripts/serve.mjs, in a
// 1280 × 900 window (the pad and the top of #follow on the screen). Each move waits for the browser to take it, so a
// page that does more at every frame of a stroke takes longer to draw it. Prints one line a stroke, in seconds.
//
//   node scripts/stroke-time.mjs [--network pretrained|256|learning] [--strokes N]     (after make site)
//
//  - pretrained (the default): the network the page starts with, 28 hidden units;
//  - 256: a network of 256 sigmoid units trained here for one epoch first, then on the pad;
//  - learning: while a network of 256 units learns (each stroke in a run of its own, stopped after it).

import { launchChromium } from './chromium.mjs';
import { drawStrokes } from './screenshots.mjs';
import { serveApart } from './serve.mjs';

const MOVES = 300;

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const network = option('--network', 'pretrained');
const strokes = Number(option('--strokes', '3'));
if (!['pretrained', '256', 'learning'].includes(network)) {
  console.error(`stroke-time: --network is pretrained, 256 or learning, not ${network}`);
  process.exit(1);
}
if (!Number.isInteger(strokes) || strokes < 1) {
  console.error(`stroke-time: --strokes must be a whole number, 1 or more, not ${option('--strokes')}`);
  process.exit(1);
}

/** Starts a run of `epochs` epochs of 256 units from the form, without scrolling to it. */
async function train(page, epochs) {
  await page.fill('#hidden', '256');
  await page.fill('#epochs', String(epochs));
  await page.evaluate(() => document.querySelector('#train').click());
}

const state = (page) => page.evaluate(() => document.querySelector('#train-status').dataset.state);

/** Waits for the run to end, finished, stopped or failed. */
const ended = (page) =>
  page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#train-status').dataset.state), null, { timeout: 300_000 });

/** The loop, in pad units: MOVES moves from its top round to its top again. */
const LOOP = Array.from({ length: MOVES + 1 }, (_, i) => {
  const a = (i / MOVES) * 2 * Math.PI;
  return [0.5 + 0.2 * Math.sin(a), 0.5 - 0.3 * Math.cos(a)];
});

/** Draws the loop on a clear pad, a pointer move a point; its time in seconds. */
async function stroke(page) {
  if (await page.locator('#clear').isEnabled()) await page.click('#clear');
  const start = Date.now();
  await drawStrokes(page, [LOOP], 1);
  return (Date.now() - start) / 1000;
}

const server = await serveApart('dist');
const browser = await launchChromium();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready=true]');
  if (network === '256') {
    await train(page, 1);
    await ended(page);
    if ((await state(page)) !== 'done') throw new Error(`the 256-unit run ended with: ${await page.locator('#train-status').textContent()}`);
  }
  for (let i = 0; i < strokes; i++) {
    if (network === 'learning') {
      await train(page, 30);
      // Learning: once the first epoch has reported its progress.
      await page.waitForFunction(() => document.querySelector('#train-status').textContent.includes('%'), null, { timeout: 300_000 });
    }
    const seconds = await stroke(page);
    if (network === 'learning') {
      if ((await state(page)) !== 'training') throw new Error('the run was no longer learning when the stroke ended');
      await page.evaluate(() => document.querySelector('#stop').click());
      await ended(page);
    }
    console.log(`${network}: a stroke of ${MOVES} moves in ${seconds.toFixed(2)} s`);
  }
} finally {
  await browser.close();
  server.close();
}
