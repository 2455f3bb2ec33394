// The page in Chinese and English, in headless Firefox (geckodriver): with the browser's languages set to zh-CN the
// page opens in Chinese; the switch turns every string English and keeps the drawing and the probabilities; the
// choice survives a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIGITS, checkReading } from './harness.mjs';
import { withFirefox } from './firefox.mjs';
import { visibleStrings, englishIn, chineseIn, keysIn } from './language.mjs';

let server;
let firefox;
withFirefox(
  async (site) => {
    ({ server, firefox } = site);
    await firefox.waitFor(() => document.body.dataset.ready, 'body[data-ready]');
  },
  { prefs: { 'intl.accept_languages': 'zh-CN, zh' } },
);

/** <html lang>, the pressed button of #lang and every visible string. */
function language() {
  return firefox.run(`return {
    lang: document.documentElement.lang,
    pressed: document.querySelector('#lang [aria-pressed=true]')?.dataset.lang,
    strings: (${visibleStrings})(),
  }`);
}

/** The strokes, the ink on the pad and the ten probabilities, once the page has read the pad. */
async function state() {
  await firefox.settle();
  return firefox.run(`return {
    strokes: JSON.stringify(window.handwritten.pad.strokes),
    ink: document.querySelector('#pad').toDataURL(),
    text: document.querySelector('#prediction').textContent.trim(),
    p: [...document.querySelectorAll('[data-digit][data-p]')]
      .sort((a, b) => a.dataset.digit - b.dataset.digit)
      .map((el) => Number(el.dataset.p)),
  }`);
}

test('with the languages zh-CN Firefox opens the page in Chinese', async () => {
  assert.equal(await firefox.run('return document.body.dataset.ready'), 'true');
  await firefox.draw('#pad', DIGITS[2]);
  const { lang, pressed, strings } = await language();
  assert.equal(lang, 'zh-CN');
  assert.equal(pressed, 'zh-CN');
  assert.deepEqual(englishIn(strings), []);
  assert.deepEqual(keysIn(strings), []);
});

test('the switch makes every string English and keeps the drawing and the probabilities, also after a reload', async () => {
  const before = await state();
  checkReading({ digit: Number(before.text), p: before.p }, assert);
  await firefox.run('document.querySelector("#lang [data-lang=en]").click()');
  const after = await state();
  assert.deepEqual(after, before);
  const { lang, pressed, strings } = await language();
  assert.equal(lang, 'en');
  assert.equal(pressed, 'en');
  assert.deepEqual(chineseIn(strings), []);
  assert.deepEqual(keysIn(strings), []);

  await firefox.goto(server.url);
  await firefox.waitFor(() => document.body.dataset.ready, 'body[data-ready] after the reload');
  const reloaded = await language();
  assert.equal(reloaded.lang, 'en');
  assert.deepEqual(chineseIn(reloaded.strings), []);
});
