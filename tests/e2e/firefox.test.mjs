// The site in headless Firefox, driven through geckodriver (W3C WebDriver): the page starts, and digits drawn
// with pointer actions are read with ten probabilities that add up to 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIGITS, checkReading } from './harness.mjs';
import { withFirefox } from './firefox.mjs';

let firefox;
withFirefox((site) => ({ firefox } = site));

/** What the page shows once it has read the pad: the text of #prediction and the ten data-p. */
async function reading() {
  await firefox.settle();
  return firefox.run(`return {
    text: document.querySelector('#prediction').textContent.trim(),
    p: [...document.querySelectorAll('[data-digit][data-p]')]
      .sort((a, b) => a.dataset.digit - b.dataset.digit)
      .map((el) => Number(el.dataset.p)),
  }`);
}

test('the page starts in Firefox', async () => {
  const ready = await firefox.waitFor(() => document.body.dataset.ready, 'body[data-ready]');
  assert.equal(ready, 'true', await firefox.run('return document.querySelector("#message").textContent'));
  assert.equal(await firefox.run('return document.querySelector("#prediction").textContent'), '');
});

for (const digit of Object.keys(DIGITS).map(Number)) {
  test(`a ${digit} drawn in Firefox is read as ${digit}`, async () => {
    await firefox.run('document.querySelector("#clear").click()');
    await firefox.draw('#pad', DIGITS[digit]);
    const shown = await reading();
    assert.equal(shown.text, String(digit), `drew ${digit}, Firefox shows ${shown.text}: ${shown.p}`);
    checkReading({ digit: Number(shown.text), p: shown.p }, assert);
  });
}

test('undo and clear work in Firefox', async () => {
  await firefox.run('document.querySelector("#clear").click()');
  await firefox.draw('#pad', DIGITS[1]);
  const one = await reading();
  await firefox.draw('#pad', [
    [
      [0.25, 0.16],
      [0.52, 0.15],
    ],
  ]);
  const more = await reading();
  assert.notDeepEqual(more.p, one.p);
  await firefox.run('document.querySelector("#undo").click()');
  const back = await reading();
  assert.equal(back.text, '1');
  assert.ok(Math.max(...back.p.map((v, k) => Math.abs(v - one.p[k]))) < 0.05, `${back.p} vs ${one.p}`);
  await firefox.run('document.querySelector("#clear").click()');
  const empty = await reading();
  assert.equal(empty.text, '');
  assert.deepEqual(empty.p, Array(10).fill(0));
});
