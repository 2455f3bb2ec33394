// Faults a person can cause on the page, in headless Chromium through real input: Train pressed twice, the pad
// cleared in the middle of a stroke, two fingers at once, the MNIST data failing to arrive, a reload while training.
// Each test checks what the person is told and that the page, and the network on the pad, still work afterwards.
// Every test opens its own browser context (its own IndexedDB), so no test sees another's trained network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withSite,
  openSite,
  recordStates,
  waitForState,
  DIGITS,
  padBox,
  drawFresh,
  drawWithTouch,
  reading,
  checkReading,
  maxDifference,
} from './harness.mjs';

let server;
let browser;
/** Problems (page errors, console errors) of every page, by test, checked at the end. */
const problems = [];

withSite((site) => ({ server, browser } = site), { openPage: false });

/** Opens the site in a fresh context, runs `body(page)`, keeps the page's problems and closes the context. */
async function withPage(name, contextOptions, body) {
  const page = await openSite(browser, server.url, { serviceWorkers: 'block', ...contextOptions });
  try {
    await body(page);
  } finally {
    problems.push(...page.problems.map((p) => `${name}: ${p}`));
    await page.context().close();
  }
}

const state = (page) => page.locator('#train-status').getAttribute('data-state');

/** The centre of an element, scrolled into view, in CSS pixels of the viewport. */
async function centre(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  return [box.x + box.width / 2, box.y + box.height / 2];
}

/** Small settings, so that a run starts quickly and its epochs are short. */
async function smallSettings(page, epochs = 1) {
  await page.fill('#hidden', '16');
  await page.fill('#epochs', String(epochs));
  await page.fill('#batch-size', '64');
}

/** Draws a 7 and checks that the page reads it exactly as it read `before` (the same network on the pad). */
async function sameNetwork(page, before) {
  const again = await drawFresh(page, DIGITS[7]);
  checkReading(again, assert);
  assert.ok(maxDifference(again.p, before.p) < 1e-6, `the network changed: ${again.p} vs ${before.p}`);
}

test('Train pressed twice starts one run only, which can be stopped; the pad keeps working', async () => {
  await withPage('train twice', {}, async (page) => {
    const before = await drawFresh(page, DIGITS[7]);
    checkReading(before, assert);
    // A thousand epochs (the most the page allows), so that Stop surely comes while it trains: ten small epochs
    // take less than half a second now, and could end before the test sees the first.
    await smallSettings(page, 1000);
    await recordStates(page);
    // Two quick clicks, as a double click would give.
    const [x, y] = await centre(page, '#train');
    await page.mouse.click(x, y);
    await page.mouse.click(x, y);
    await waitForState(page, ['training', 'error', 'done']);
    assert.equal(await state(page), 'training', await page.locator('#train-status').textContent());
    assert.ok(await page.locator('#train').isDisabled(), 'Train can be pressed again while training');
    // And once more while it trains; Stop once its first epoch is done.
    await page.mouse.click(x, y);
    await page.waitForFunction(() => Number(document.querySelector('#train-status').dataset.epoch) >= 1);
    await page.click('#stop');
    await waitForState(page, ['done', 'error']);
    const status = page.locator('#train-status');
    assert.equal(await state(page), 'done', await status.textContent());
    // Stop came after epoch 1, maybe after a later one too: the status names the last one finished.
    const epochs = await status.getAttribute('data-epoch');
    assert.match(await status.textContent(), new RegExp(`^Stopped after ${epochs} full epochs?\\..*The network of epoch ${epochs} is kept`));
    assert.deepEqual(await page.evaluate(() => window.states), ['idle', 'loading', 'training', 'done']);
    assert.ok(await page.locator('#message').isHidden(), await page.locator('#message').textContent());
    assert.ok(await page.locator('#train').isEnabled());
    // The pad reads with the network of the last finished epoch, and the pretrained one is still there as it was.
    assert.match(await page.locator('#model-select').inputValue(), /^saved-/);
    checkReading(await drawFresh(page, DIGITS[3]), assert);
    await page.selectOption('#model-select', 'default');
    await sameNetwork(page, before);
  });
});

test('settings out of range are refused beside the Train button, and a corrected run starts', async () => {
  await withPage('settings refused', {}, async (page) => {
    const status = page.locator('#train-status');
    for (const [field, value, why] of [
      ['#hidden', '5000', /^Training not started\. hidden units: 5000 is outside the allowed range 1 to 4,096$/],
      ['#epochs', '2.5', /^Training not started\. epochs: 2\.5 is not a whole number$/],
    ]) {
      await page.fill(field, value);
      await page.click('#train');
      assert.match(await status.textContent(), why);
      assert.equal(await state(page), 'idle');
      assert.match(await page.locator('#message').textContent(), why);
      assert.ok(await page.locator('#train').isEnabled());
    }
    await smallSettings(page);
    await recordStates(page);
    await page.click('#train');
    await waitForState(page, ['done', 'error'], 240_000);
    assert.equal(await state(page), 'done', await status.textContent());
    assert.ok(await page.locator('#message').isHidden(), await page.locator('#message').textContent());
  });
});

test('Escape in the middle of a mouse stroke clears the pad; the rest of the stroke draws nothing', async () => {
  await withPage('escape mid-stroke', {}, async (page) => {
    const before = await drawFresh(page, DIGITS[7]);
    await page.click('#clear');
    const box = await padBox(page);
    const at = (u, v) => [box.x + u * box.width, box.y + v * box.height];
    await page.mouse.move(...at(0.3, 0.2));
    await page.mouse.down();
    await page.mouse.move(...at(0.7, 0.2), { steps: 4 });
    const half = await reading(page);
    assert.notEqual(half.digit, null, 'the half stroke was not read');
    await page.keyboard.press('Escape');
    await page.mouse.move(...at(0.45, 0.85), { steps: 4 });
    await page.mouse.up();
    const after = await reading(page);
    assert.equal(after.digit, null, `the pad is not blank after Escape: ${after.p}`);
    assert.deepEqual(after.p, Array(10).fill(0));
    assert.ok(await page.locator('#clear').isDisabled());
    assert.ok(await page.locator('#message').isHidden(), await page.locator('#message').textContent());
    await sameNetwork(page, before);
  });
});

test('Clear pressed with the mouse while a finger draws clears the pad; the finger then draws nothing', async () => {
  await withPage('clear under a finger', { hasTouch: true }, async (page) => {
    const before = await drawFresh(page, DIGITS[7]);
    await page.click('#clear');
    const box = await padBox(page);
    const at = (u, v) => ({ x: box.x + u * box.width, y: box.y + v * box.height, id: 1, radiusX: 2, radiusY: 2 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(0.3, 0.2)] });
    for (let t = 1; t <= 8; t++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(0.3 + (0.4 * t) / 8, 0.2)] });
    }
    assert.notEqual((await reading(page)).digit, null, 'the finger drew nothing');
    await page.mouse.click(...(await centre(page, '#clear')));
    for (let t = 1; t <= 8; t++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(0.7 - (0.25 * t) / 8, 0.2 + (0.65 * t) / 8)] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
    const after = await reading(page);
    assert.equal(after.digit, null, `the pad is not blank after Clear: ${after.p}`);
    assert.deepEqual(after.p, Array(10).fill(0));
    assert.ok(await page.locator('#message').isHidden(), await page.locator('#message').textContent());
    await sameNetwork(page, before);
    // A finger draws again afterwards.
    await page.click('#clear');
    await drawWithTouch(page, DIGITS[7]);
    const seven = await reading(page);
    checkReading(seven, assert);
    assert.equal(seven.digit, 7, `${seven.p}`);
  });
});

test('a second finger on the pad is ignored with a note; the first finger draws as if alone', async () => {
  await withPage('two fingers', { hasTouch: true }, async (page) => {
    const box = await padBox(page);
    const at = ([u, v], id) => ({ x: box.x + u * box.width, y: box.y + v * box.height, id, radiusX: 2, radiusY: 2 });
    // The 7 drawn by finger 1 while finger 2 lands on the pad and wanders across it.
    const [stroke] = DIGITS[7];
    const path = [];
    for (let i = 1; i < stroke.length; i++) {
      const [u0, v0] = stroke[i - 1];
      const [u1, v1] = stroke[i];
      for (let t = 1; t <= 8; t++) path.push([u0 + ((u1 - u0) * t) / 8, v0 + ((v1 - v0) * t) / 8]);
    }
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(stroke[0], 1)] });
    for (const [k, point] of path.entries()) {
      const second = [0.2 + (0.6 * k) / path.length, 0.5];
      if (k < 4) {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(point, 1)] });
      } else if (k === 4) {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(point, 1), at(second, 2)] });
      } else {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(point, 1), at(second, 2)] });
      }
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
    await page.waitForFunction(() => /One finger at a time/.test(document.querySelector('#pad-message').textContent));
    const two = await reading(page);
    checkReading(two, assert);
    assert.equal(two.digit, 7, `drew 7 with a second finger wandering, the page shows ${two.digit}: ${two.p}`);
    // The same 7 with one finger: the second finger added nothing.
    await page.click('#clear');
    await drawWithTouch(page, DIGITS[7]);
    const one = await reading(page);
    assert.ok(maxDifference(one.p, two.p) < 1e-3, `one finger ${one.p}, two fingers ${two.p}`);
    assert.ok(await page.locator('#message').isHidden(), await page.locator('#message').textContent());
  });
});

/** The console message Chromium prints for a request that was aborted (and nothing else). */
const ABORTED = /^console error: Failed to load resource: net::ERR_FAILED$/;

test('when the MNIST data cannot be fetched, the status says so, the pad keeps its network, and Train works again', async () => {
  await withPage('data fetch fails', {}, async (page) => {
    const before = await drawFresh(page, DIGITS[7]);
    await smallSettings(page);
    const aborted = [];
    const abort = (route) => {
      aborted.push(route.request().url());
      return route.abort('failed');
    };
    await page.context().route('**/data/*.gz', abort);
    await page.click('#train');
    await waitForState(page, ['error', 'done', 'training']);
    const status = page.locator('#train-status');
    assert.equal(await state(page), 'error', await status.textContent());
    assert.deepEqual(aborted.map((u) => u.replace(/.*\//, '')).sort(), [
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
    ]);
    assert.match(await status.textContent(), /Training could not start: Could not fetch the MNIST file [a-z0-9-]+\.gz/);
    const message = page.locator('#message');
    assert.ok(await message.isVisible(), 'no message shown');
    assert.match(await message.textContent(), /Could not fetch the MNIST file .*The pad keeps working with its network\./);
    assert.ok(await page.locator('#train').isEnabled());
    await sameNetwork(page, before);
    // The aborted requests are the only problems so far; keep nothing else out.
    const unexpected = page.problems.filter((p) => !ABORTED.test(p));
    assert.deepEqual(unexpected, []);
    page.problems.length = 0;

    // The connection is back: Train fetches and trains its one epoch.
    await page.context().unroute('**/data/*.gz', abort);
    await recordStates(page);
    await page.click('#train');
    await waitForState(page, ['done', 'error']);
    assert.equal(await state(page), 'done', await status.textContent());
    assert.deepEqual(await page.evaluate(() => window.states), ['error', 'loading', 'training', 'done']);
    assert.match(await status.textContent(), /^Done: 1 epoch in/);
    assert.ok(await message.isHidden(), await message.textContent());
  });
});

test('a reload while training brings the page back working, with its pretrained network', async () => {
  await withPage('reload while training', {}, async (page) => {
    const before = await drawFresh(page, DIGITS[7]);
    // As many epochs as the page allows, so that the run is still going when the page reloads.
    await smallSettings(page, 1000);
    await page.click('#train');
    await waitForState(page, ['training', 'error', 'done']);
    assert.equal(await state(page), 'training', await page.locator('#train-status').textContent());
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true', await page.locator('#message').textContent());
    assert.equal(await state(page), 'idle', await page.locator('#train-status').textContent());
    assert.ok(await page.locator('#train').isEnabled());
    assert.ok(await page.locator('#message').isHidden(), await page.locator('#message').textContent());
    assert.equal(await page.locator('#model-select').inputValue(), 'default');
    await sameNetwork(page, before);
  });
});

test('nothing went wrong behind the scenes', () => {
  assert.deepEqual(problems, []);
});
