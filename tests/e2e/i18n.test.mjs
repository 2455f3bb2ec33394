// The page in Chinese and English, in headless Chromium: a browser whose locale is zh-CN opens it in Chinese, en-US
// in English; the switch (#lang) changes every visible string without touching the drawing, the probabilities or a
// running training; the choice survives a reload. The same in Firefox: i18n-firefox.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withSite,
  openSite,
  DIGITS,
  drawWithMouse,
  reading,
  checkReading,
  maxDifference,
  waitForState,
  recordStates,
} from './harness.mjs';
import { visibleStrings, englishIn, chineseIn, keysIn } from './language.mjs';

let server;
let browser;
withSite((site) => ({ server, browser } = site), { openPage: false });

/** The page's language as the reader meets it: <html lang>, the pressed button of #lang, every visible string. */
async function language(page) {
  return page.evaluate(`({
    lang: document.documentElement.lang,
    pressed: document.querySelector('#lang [aria-pressed=true]')?.dataset.lang,
    strings: (${visibleStrings})(),
  })`);
}

/** The page is Chinese: <html lang>, the switch, and at least `least` visible strings, none of them English. */
async function checkChinese(page, when, least = 40) {
  const { lang, pressed, strings } = await language(page);
  assert.equal(lang, 'zh-CN', when);
  assert.equal(pressed, 'zh-CN', when);
  assert.deepEqual(englishIn(strings), [], `${when}: English on the Chinese page`);
  assert.deepEqual(keysIn(strings), [], `${when}: keys shown as text`);
  assert.ok(strings.length >= least, `${when}: only ${strings.length} strings`);
}

async function checkEnglish(page, when) {
  const { lang, pressed, strings } = await language(page);
  assert.equal(lang, 'en', when);
  assert.equal(pressed, 'en', when);
  assert.deepEqual(chineseIn(strings), [], `${when}: Chinese on the English page`);
  assert.deepEqual(keysIn(strings), [], `${when}: keys shown as text`);
}

/** Every element the HTML keys has text (an empty string would hide a missing translation). */
async function checkNoneEmpty(page) {
  const empty = await page.$$eval('[data-i18n]', (els) => els.filter((el) => !el.textContent.trim()).map((el) => el.outerHTML));
  assert.deepEqual(empty, []);
}

/** The name of the web app manifest the page links to, as a browser installing it would read it. */
async function manifestName(page) {
  return page.evaluate(async () => {
    const response = await fetch(document.querySelector('link[rel="manifest"]').href);
    return response.ok ? (await response.json()).name : `HTTP ${response.status}`;
  });
}

/** The strokes on the pad and its ink, to see that a change of language keeps the drawing. */
function drawing(page) {
  return page.evaluate(() => ({
    strokes: JSON.stringify(window.handwritten.pad.strokes),
    ink: document.querySelector('#pad').toDataURL(),
  }));
}

test('with the locale zh-CN the page opens in Chinese', async () => {
  const page = await openSite(browser, server.url, { locale: 'zh-CN' });
  await checkChinese(page, 'on opening');
  await checkNoneEmpty(page);
  assert.equal(await manifestName(page), '手写数字识别 —— 写一个数字，看神经网络认出它');
  const shown = await reading(page);
  assert.equal(shown.digit, null);
  // A drawing read: the verdict and the bars' labels are in Chinese too.
  await drawWithMouse(page, DIGITS[2]);
  checkReading(await reading(page), assert);
  await checkChinese(page, 'after drawing a 2');
  assert.match(await page.locator('#prediction-label').textContent(), /^把握 [\d.]+%$/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('with the locale en-US the page opens in English', async () => {
  const page = await openSite(browser, server.url, { locale: 'en-US' });
  await checkEnglish(page, 'on opening');
  await checkNoneEmpty(page);
  assert.equal(await manifestName(page), 'Handwritten — a neural network you can draw on');
  await drawWithMouse(page, DIGITS[7]);
  checkReading(await reading(page), assert);
  await checkEnglish(page, 'after drawing a 7');
  assert.match(await page.locator('#prediction-label').textContent(), /^[\d.]+% sure$/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the switch changes every string and keeps the drawing, the probabilities and a running training; the choice survives a reload', { timeout: 300_000 }, async () => {
  const page = await openSite(browser, server.url, { locale: 'zh-CN' });
  await drawWithMouse(page, DIGITS[4]);
  const before = await reading(page);
  checkReading(before, assert);
  const ink = await drawing(page);

  await page.click('#lang [data-lang=en]');
  await checkEnglish(page, 'after switching to English');
  assert.equal(await manifestName(page), 'Handwritten — a neural network you can draw on');
  assert.deepEqual(await drawing(page), ink, 'the drawing changed with the language');
  const after = await reading(page);
  assert.equal(after.digit, before.digit);
  assert.ok(maxDifference(after.p, before.p) < 1e-9, `${after.p} vs ${before.p}`);

  await page.click('#lang [data-lang=zh-CN]');
  await checkChinese(page, 'after switching back to Chinese');
  assert.deepEqual(await drawing(page), ink);

  // A training run goes on through a change of language; its status and table follow the language.
  await page.fill('#hidden', '16');
  await page.fill('#epochs', '1');
  await recordStates(page);
  await page.click('#train');
  await waitForState(page, ['training', 'done', 'error'], 120_000);
  await page.click('#lang [data-lang=en]');
  await waitForState(page, ['done', 'error'], 280_000);
  const status = page.locator('#train-status');
  assert.equal(await status.getAttribute('data-state'), 'done', await status.textContent());
  assert.deepEqual(await page.evaluate(() => window.states), ['idle', 'loading', 'training', 'done']);
  assert.match(await status.textContent(), /^Done: 1 epoch in /);
  await checkEnglish(page, 'after training');
  await page.click('#lang [data-lang=zh-CN]');
  assert.match(await status.textContent(), /^完成：训练了 1 轮/);
  await checkChinese(page, 'after training, in Chinese');
  assert.deepEqual(await drawing(page), ink);

  // The reader's choice (English) wins over the browser's locale (zh-CN) on the next visit.
  await page.click('#lang [data-lang=en]');
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await checkEnglish(page, 'after a reload');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the source page speaks the page's language and has the switch too", async () => {
  const page = await openSite(browser, server.url, { locale: 'zh-CN' });
  await page.goto(new URL('www/source.html?file=math.rs&fn=softmax', server.url).href);
  await page.waitForSelector('#code span.hit');
  await checkChinese(page, 'the source page', 4);
  assert.match(await page.locator('#about').textContent(), /^下面高亮的是函数 softmax。$/);
  await page.click('#lang [data-lang=en]');
  await checkEnglish(page, 'the source page in English');
  assert.equal(await page.title(), 'src/math.rs — Handwritten');
  // The choice made here holds on the page itself.
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await checkEnglish(page, 'the page after the source page');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
