// Follow one digit, teach it, its mistakes, in headless Chromium: a drawn digit's quantities (data-values) agree
// with the bars and with every identity of the derivation; a test digit the pretrained network misreads, picked
// from #mistakes, is followed with its true label and taught within ten presses at the default settings, the test
// accuracy staying within a point, while the pretrained network still reads it as before; the taught network is
// kept across a reload; Undo takes a step back; the tutorial preset fills the form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSite, DIGITS, drawFresh, probabilities, settle, waitForModel } from './harness.mjs';

let page;
withSite((site) => ({ page } = site));

/** Every quantity of #follow: name → values, plus y and the network's w2 (h × 10) and activation. */
export function readFollow() {
  const q = {};
  for (const el of document.querySelectorAll('#follow [data-quantity]')) q[el.dataset.quantity] = JSON.parse(el.dataset.values);
  const model = window.handwritten.activeModel();
  return { q, y: Number(document.querySelector('#follow').dataset.y), w2: Array.from(model.weights2()), activation: model.activation };
}

/** Checks the derivation's identities on what #follow shows; `close` compares with a tolerance. */
export function checkIdentities({ q, y, w2, activation }, assert) {
  const close = (a, b, what, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
  const h = q.z1.length;
  assert.equal(q.a0.length, 784);
  assert.deepEqual([q.a1.length, q.delta1.length, q.db1.length, q.dw1.length, q.dw2.length], [h, h, h, 784 * h, h * 10]);
  const sigmoid = (z) => 1 / (1 + Math.exp(-z));
  const f = activation === 'sigmoid' ? sigmoid : (z) => Math.max(0, z);
  const fPrime = activation === 'sigmoid' ? (z) => sigmoid(z) * (1 - sigmoid(z)) : (z) => (z > 0 ? 1 : 0);
  q.z1.forEach((z, j) => close(q.a1[j], f(z), `a1[${j}] = f(z1[${j}])`));
  const m = Math.max(...q.z2);
  const e = q.z2.map((z) => Math.exp(z - m));
  const sum = e.reduce((a, b) => a + b, 0);
  e.forEach((v, k) => close(q.a2[k], v / sum, `a2[${k}] = softmax(z2)[${k}]`));
  assert.deepEqual(q.y, Array.from({ length: 10 }, (_, k) => (k === y ? 1 : 0)), 'y is one-hot');
  close(q.loss[0], -Math.log(q.a2[y]), 'L = −ln a2[y]', 1e-4);
  q.delta2.forEach((d, k) => close(d, q.a2[k] - q.y[k], `δ2[${k}] = a2 − y`));
  assert.deepEqual(q.db2, q.delta2, '∂L/∂b2 = δ2');
  for (let j = 0; j < h; j++) for (let k = 0; k < 10; k++) close(q.dw2[j * 10 + k], q.a1[j] * q.delta2[k], `∂L/∂w2[${j},${k}]`);
  for (let j = 0; j < h; j++) {
    let back = 0;
    for (let k = 0; k < 10; k++) back += q.delta2[k] * w2[j * 10 + k];
    close(q.delta1[j], back * fPrime(q.z1[j]), `δ1[${j}]`, 1e-4);
  }
  assert.deepEqual(q.db1, q.delta1, '∂L/∂b1 = δ1');
  for (let i = 0; i < 784; i++) for (let j = 0; j < h; j++) close(q.dw1[i * h + j], q.a0[i] * q.delta1[j], `∂L/∂w1[${i},${j}]`);
  assert.ok(Math.abs(q.a2_after.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'a2 after the step sums to 1');
}

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
