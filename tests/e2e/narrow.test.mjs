// The page on the narrowest phones (320 CSS pixels, and 390), in English and Chinese, in headless Chromium: nothing
// makes the page scroll sideways, and every control a reader taps (buttons, fields, the network's choice) lies within
// the screen; after a training run too, with its table of epochs and its confusion matrix shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSite, openSite, waitForState } from './harness.mjs';

let server;
let browser;
withSite((site) => ({ server, browser } = site), { openPage: false });

/** What sticks out past the right edge of the viewport: the page's own width, and the controls outside it. */
function outside() {
  const width = document.documentElement.clientWidth;
  const controls = [...document.querySelectorAll('button, input:not(.visually-hidden), select, label.button, a')]
    .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${el.textContent.trim().slice(0, 30)}" right ${Math.round(el.getBoundingClientRect().right)}`);
  return { width, scrollWidth: document.documentElement.scrollWidth, controls };
}

for (const locale of ['en-US', 'zh-CN']) {
  for (const width of [320, 390]) {
    test(`${locale} at ${width} pixels: no sideways scrolling, every control on the screen`, async () => {
      const page = await openSite(browser, server.url, { viewport: { width, height: 700 }, locale });
      const seen = await page.evaluate(outside);
      assert.equal(seen.width, width);
      assert.ok(seen.scrollWidth <= seen.width, `the page is ${seen.scrollWidth} pixels wide: ${seen.controls.join('; ')}`);
      assert.deepEqual(seen.controls, []);
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
  }
}

test('en-US at 320 pixels after a training run: the table of epochs scrolls within its panel, not the page', { timeout: 300_000 }, async () => {
  const page = await openSite(browser, server.url, { viewport: { width: 320, height: 700 }, serviceWorkers: 'block' });
  await page.fill('#hidden', '16');
  await page.fill('#epochs', '1');
  await page.fill('#batch-size', '64');
  await page.click('#train');
  await waitForState(page, ['done', 'error'], 280_000);
  assert.equal(await page.locator('#train-status').getAttribute('data-state'), 'done');
  assert.ok(await page.locator('#epochs-table').isVisible());
  const seen = await page.evaluate(outside);
  assert.ok(seen.scrollWidth <= seen.width, `the page is ${seen.scrollWidth} pixels wide`);
  assert.deepEqual(seen.controls, []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
