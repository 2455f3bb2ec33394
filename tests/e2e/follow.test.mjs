// Follow one digit, teach it, its mistakes, in headless Chromium: a drawn digit's quantities (data-values) agree
// with the bars and with every identity of the derivation; a test digit the pretrained network misreads, picked
// from #mistakes, is followed with its true label and taught within ten presses at the default settings, the test
// accuracy staying within a point, while the pretrained network still reads it as before; the taught network is
// kept across a reload; Undo takes a step back; the tutorial preset fills the form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSite, DIGITS, drawFresh, probabilities, settle, waitForModel } from './harness.mjs';
import { readFollow, checkIdentities } from './follow-checks.mjs';

let page;
withSite((site) => ({ page } = site));

test('a drawn digit is followed through every equation, and its numbers agree with the bars', async () => {
  await drawFresh(page, DIGITS[4]);
  await settle(page);
  const shown = await page.evaluate(readFollow);
  checkIdentities(shown, assert);
  // a2 is what the ten probability bars show, and the follow's own bars carry the same numbers.
  const p = await probabilities(page);
  shown.q.a2.forEach((v, k) => assert.ok(Math.abs(v - p[k]) < 1e-6, `a2[${k}] ${v} vs bar ${p[k]}`));
  const bars = await page.$$eval('[data-quantity="a2"] .pic i', (els) => els.map((el) => Number(el.dataset.v)));
  assert.deepEqual(bars, shown.q.a2);
  // The label is the network's guess until one is chosen.
  assert.equal(shown.y, p.indexOf(Math.max(...p)));
  // A number is readable on focus, and the arrow keys move along.
  await page.focus('[data-quantity="a2"]');
  await page.keyboard.press('ArrowRight');
  const readout = await page.locator('[data-quantity="a2"] .readout').textContent();
  assert.match(readout, /^digit 1: /);
  assert.equal(page.problems.length, 0, page.problems.join('\n'));
});

test('a misread test digit, picked from the mistakes, is taught within ten presses; the pretrained network is unchanged', async () => {
  await page.click('#show-mistakes');
  await page.waitForFunction(() => document.querySelector('#mistakes').dataset.state === 'shown', null, { timeout: 120_000 });
  const count = Number(await page.locator('#mistakes').getAttribute('data-count'));
  assert.ok(count > 100 && count < 500, `${count} mistakes of the pretrained network`);
  const first = page.locator('#mistakes .mistake').first();
  const mistake = await first.evaluate((el) => ({ ...el.dataset }));
  const confidences = await page.$$eval('#mistakes .mistake', (els) => els.map((el) => Number(el.dataset.confidence)));
  assert.deepEqual(confidences, [...confidences].sort((a, b) => b - a), 'sorted by confidence');
  await first.click();
  await settle(page);
  const followed = await page.evaluate(readFollow);
  const label = Number(mistake.label);
  assert.equal(followed.y, label, 'followed with its true label');
  assert.equal(followed.q.a2.indexOf(Math.max(...followed.q.a2)), Number(mistake.guess), 'the pretrained network misreads it');
  checkIdentities(followed, assert);
  assert.match(await page.locator('#follow-source').textContent(), new RegExp(`test digit #${mistake.index}`));

  let presses = 0;
  let reads = Number(mistake.guess);
  while (reads !== label) {
    assert.ok(presses < 10, `still read as ${reads} after ${presses} presses`);
    presses += 1;
    await page.click(`button[data-teach="${label}"]`);
    await page.waitForFunction((n) => {
      const s = document.querySelector('#teach-status');
      return s.dataset.state === 'ready' && s.dataset.steps === String(n);
    }, presses, { timeout: 120_000 });
    await settle(page);
    const now = await page.evaluate(readFollow);
    reads = now.q.a2.indexOf(Math.max(...now.q.a2));
  }
  const status = await page.locator('#teach-status').evaluate((el) => ({ ...el.dataset }));
  const [before, after] = [Number(status.accuracyBefore), Number(status.accuracy)];
  assert.ok(Math.abs(after - before) <= 0.01, `test accuracy ${before} → ${after} after ${presses} presses`);
  assert.equal(await page.locator('#model-select').inputValue(), 'taught');
  console.log(`# taught test digit ${mistake.index} (${label} read as ${mistake.guess}) in ${presses} presses; accuracy ${before} → ${after}`);

  // The pretrained network reads it as before.
  await page.selectOption('#model-select', 'default');
  await settle(page);
  const pretrained = await page.evaluate(readFollow);
  assert.deepEqual(pretrained.q.a2, followed.q.a2);

  // Undo takes the last step back.
  await page.selectOption('#model-select', 'taught');
  await page.click('#teach-undo');
  await page.waitForFunction((n) => document.querySelector('#teach-status').dataset.steps === String(n), presses - 1);
  assert.equal(page.problems.length, 0, page.problems.join('\n'));
});

test('the taught network is kept across a reload', async () => {
  await page.reload();
  await waitForModel(page);
  await page.waitForFunction(() => [...document.querySelector('#model-select').options].some((o) => o.value === 'taught'));
});

test('"Train like the tutorial" fills the form with its settings', async () => {
  await page.click('#tutorial-preset');
  const form = await page.evaluate(() =>
    Object.fromEntries(['hidden', 'activation', 'init', 'batch-size', 'learning-rate', 'schedule', 'epochs'].map((id) => [id, document.getElementById(id).value])),
  );
  assert.deepEqual(form, {
    hidden: '28', activation: 'sigmoid', init: 'uniform', 'batch-size': '1', 'learning-rate': '0.1', schedule: 'constant', epochs: '10',
  });
});
