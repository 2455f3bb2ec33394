#!/usr/bin/env node
// The browser half of the benchmark (scripts/bench.mjs runs it): serves SITE (benches/web's page, the release
// wasm in pkg/, the MNIST files in data/) on 127.0.0.1 and runs the page's window.runBench() in headless Chromium
// (playwright-core) and headless Firefox (geckodriver), each in a fresh browser. Prints one JSON line per browser:
//   BROWSER {"browser": "chromium", "version": ..., "epochSeconds": [...], "epochMedianSeconds": ..., ...}
// or BROWSER {"browser": ..., "error": "..."} when a browser cannot run.
//
//   node scripts/bench-browser.mjs SITE [--browsers chromium,firefox] [--epochs 3]

import { serve } from './serve.mjs';
import { launchChromium } from './chromium.mjs';
import { launchFirefox } from '../tests/e2e/firefox.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const site = argv[0];
if (!site || site.startsWith('--')) {
  console.error('usage: node scripts/bench-browser.mjs SITE [--browsers chromium,firefox] [--epochs 3]');
  process.exit(2);
}
const browsers = option('browsers', 'chromium,firefox').split(',');
const settings = { epochs: Number(option('epochs', '3')) };
// A run takes a few seconds; on a busy machine many times that.
const TIMEOUT_MS = 600_000;

async function chromium(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.setDefaultTimeout(TIMEOUT_MS);
    await page.goto(url);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
    const result = await page.evaluate((s) => window.runBench(s), settings).catch((e) => {
      throw new Error(`${e.message}${problems.length ? ` (page: ${problems.join('; ')})` : ''}`);
    });
    return { browser: 'chromium', version: browser.version(), ...result };
  } finally {
    await browser.close();
  }
}

async function firefox(url) {
  const ff = await launchFirefox();
  try {
    await ff.goto(url);
    await ff.waitFor(() => window.benchReady === true, 'the benchmark page', 60_000);
    // WebDriver waits for the promise a script returns (within the session's script timeout).
    const result = await ff.run(
      `return window.runBench(arguments[0]).then((r) => ({ ok: r }), (e) => ({ error: String(e) }));`,
      settings,
    );
    if (result.error) throw new Error(result.error);
    const version = (await ff.run('return navigator.userAgent')).match(/Firefox\/([\d.]+)/)?.[1];
    return { browser: 'firefox', version, ...result.ok };
  } finally {
    await ff.close();
  }
}

const { server, url } = await serve(site, 0);
try {
  for (const name of browsers) {
    const run = { chromium, firefox }[name];
    let line;
    try {
      if (!run) throw new Error(`unknown browser ${name}`);
      line = await run(`${url.replace(/\/$/, '')}/bench.html`);
    } catch (e) {
      line = { browser: name, error: String(e.message || e).split('\n')[0] };
    }
    console.log(`BROWSER ${JSON.stringify(line)}`);
  }
} finally {
  server.close();
}
