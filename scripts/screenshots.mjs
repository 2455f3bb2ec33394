#!/usr/bin/env node
// Screenshots of the built site in headless Chromium: in Chinese and English (the browser's
// locale), desktop and phone (390×844), light and dark, with a digit drawn through real
// pointer events; then the training panel after two epochs and the list of networks (light
// and dark) and the hidden units lit by a drawing (dark), in both languages; for looking at.
//
//   node scripts/screenshots.mjs [OUT_DIR]     (default: target/screenshots; the site is dist/)

import fs from 'node:fs';
import path from 'node:path';
import { serve } from './serve.mjs';
import { launchChromium } from './chromium.mjs';

/** The page's languages, as [file prefix, the browser's locale]: the page opens in the browser's language. */
const LANGUAGES = [['zh', 'zh-CN'], ['en', 'en-US']];

/** A "7" as strokes in pad units. */
const SEVEN = [[[0.28, 0.25], [0.72, 0.25], [0.62, 0.45], [0.5, 0.78]]];

export async function drawStrokes(page, strokes, steps = 12) {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  for (const stroke of strokes) {
    const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) {
      const [x0, y0] = at(stroke[i - 1]);
      const [x1, y1] = at(stroke[i]);
      for (let s = 1; s <= steps; s++) await page.mouse.move(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps);
    }
    await page.mouse.up();
  }
}

async function main() {
  const out = process.argv[2] ?? 'target/screenshots';
  fs.mkdirSync(out, { recursive: true });
  const { server, url } = await serve('dist', 0);
  const browser = await launchChromium();
  try {
    for (const [lang, locale] of LANGUAGES) {
      for (const [name, viewport, scale] of [['desktop', { width: 1280, height: 900 }, 1], ['phone', { width: 390, height: 844 }, 3]]) {
        for (const colorScheme of ['light', 'dark']) {
          const context = await browser.newContext({ viewport, deviceScaleFactor: scale, colorScheme, locale, serviceWorkers: 'block' });
          const page = await context.newPage();
          const where = `[${lang} ${name} ${colorScheme}]`;
          page.on('console', (m) => m.type() === 'error' && console.log(`${where} console: ${m.text()}`));
          page.on('pageerror', (e) => console.log(`${where} page error: ${e.message}`));
          await page.goto(url);
          await page.waitForSelector('body[data-ready=true]');
          await drawStrokes(page, SEVEN);
          await page.waitForFunction(() => document.querySelector('#prediction').textContent !== '');
          const digit = await page.textContent('#prediction');
          // The derivation is drawn when #follow comes on the screen, as for a reader scrolling down (in Chinese at
          // 1280 × 900 it starts below the window, and the full page showed it empty); then back to the top.
          await page.locator('#follow').scrollIntoViewIfNeeded();
          await page.waitForFunction(() => window.handwritten.followed() !== null);
          await page.evaluate(() => scrollTo(0, 0));
          const file = path.join(out, `${lang}-${name}-${colorScheme}.png`);
          await page.screenshot({ path: file, fullPage: name === 'desktop' });
          if (name === 'phone') await page.screenshot({ path: path.join(out, `${lang}-${name}-${colorScheme}-full.png`), fullPage: true });
          console.log(`${file}: the pad reads the drawn 7 as ${digit}`);
          await context.close();
        }
      }
    }
    // The training panel after two epochs, and the list of networks after a second run stopped after its first
    // epoch (the list drawn open below the picker, since a headless screenshot does not show an open <select>),
    // light and dark; the hidden units lit by a drawing, in dark mode; in both languages.
    for (const [lang, locale] of LANGUAGES) for (const colorScheme of ['light', 'dark']) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme, locale, serviceWorkers: 'block' });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`[${lang} training ${colorScheme}] page error: ${e.message}`));
      await page.goto(url);
      await page.waitForSelector('body[data-ready=true]');
      await page.fill('#epochs', '2');
      await page.click('#train');
      await page.waitForSelector('#train-status[data-state=done]', { timeout: 120000 });
      await page.locator('#train-panel').screenshot({ path: path.join(out, `${lang}-training-${colorScheme}.png`) });
      await page.fill('#epochs', '20');
      await page.click('#train');
      await page.waitForFunction(() => Number(document.querySelector('#train-status').dataset.epoch) >= 1, null, { timeout: 120000 });
      await page.click('#stop');
      await page.waitForSelector('#train-status[data-state=done]', { timeout: 120000 });
      await page.evaluate(() => {
        const select = document.querySelector('#model-select');
        select.size = select.options.length;
      });
      await page.locator('.model-bar').screenshot({ path: path.join(out, `${lang}-networks-${colorScheme}.png`) });
      console.log(`${out}/${lang}-training-${colorScheme}.png, ${out}/${lang}-networks-${colorScheme}.png: ${await page.textContent('#train-status')}`);
      if (colorScheme === 'dark') {
        await page.evaluate(() => (document.querySelector('#model-select').size = 0));
        await drawStrokes(page, SEVEN);
        await page.locator('#units').scrollIntoViewIfNeeded();
        await page.waitForFunction(() => document.querySelector('#units canvas.lit'));
        await page.locator('#inside').screenshot({ path: path.join(out, `${lang}-inside-dark.png`) });
        console.log(`${out}/${lang}-inside-dark.png`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
