// The page's start in headless Chromium: while it starts, what is below the pad is put off (the sections laid out
// only if they come near, the hidden units' squares drawn later); once the page is ready and idle, all of it is there
// without the person scrolling: every section laid out, the squares and the training charts drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSite, openSite } from './harness.mjs';

let server;
let browser;
withSite((site) => ({ server, browser } = site), { openPage: false });

test('the sections below the pad are put off while the page starts, and laid out and drawn once it is idle', async () => {
  // What <html>'s class and the sections' content-visibility were when the page became ready, and when the class
  // changed, recorded from before the page's first script.
  const page = await openSite(browser, server.url, {}, () => {
    window.startLog = [];
    const sections = () =>
      [...document.querySelectorAll('main > section')].map((s) => `${s.id}:${getComputedStyle(s).contentVisibility}`);
    const starting = () => document.documentElement.classList.contains('starting');
    new MutationObserver((records) => {
      for (const { target } of records) {
        if (target === document.documentElement) {
          window.startLog.push({ what: 'class', starting: starting(), ready: document.body?.dataset.ready ?? null });
        } else if (target === document.body && document.body.dataset.ready === 'true') {
          window.startLog.push({ what: 'ready', starting: starting(), sections: sections() });
        }
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['class', 'data-ready'] });
  });
  await page.waitForFunction(() => !document.documentElement.classList.contains('starting'), null, { timeout: 10_000 });
  const log = await page.evaluate(() => window.startLog);

  // Set before the page was ready, lifted after it.
  const classChanges = log.filter((e) => e.what === 'class');
  assert.deepEqual(classChanges.map((e) => e.starting), [true, false], JSON.stringify(log));
  assert.equal(classChanges[1].ready, 'true', 'the class was lifted before the page was ready');
  const ready = log.find((e) => e.what === 'ready');
  assert.ok(ready?.starting, `the page was ready without the start's class: ${JSON.stringify(log)}`);
  for (const section of ready.sections) {
    assert.match(section, section.startsWith('draw:') ? /:visible$/ : /:auto$/, 'while the page starts');
  }

  // Then, with no scrolling (the page is still at its top), the whole page as it always is.
  assert.equal(await page.evaluate(() => scrollY), 0);
  const now = await page.evaluate(() =>
    [...document.querySelectorAll('main > section')].map((s) => `${s.id}:${getComputedStyle(s).contentVisibility}`),
  );
  assert.equal(now.length, ready.sections.length);
  for (const section of now) assert.match(section, /:visible$/);
  // The squares of the pretrained network's 28 hidden units and the charts, drawn while the page was idle.
  await page.waitForFunction(() => document.querySelectorAll('#units figure.unit').length === 28, null, { timeout: 10_000 });
  const chartDrawn = await page.evaluate(() =>
    ['loss-chart', 'accuracy-chart'].map((id) => {
      const canvas = document.getElementById(id);
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return canvas.width > 0 && pixels.some((v, i) => i % 4 === 3 && v > 0);
    }),
  );
  assert.deepEqual(chartDrawn, [true, true], 'the two charts are drawn (their axes) before anyone scrolls to them');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a page printed while it starts is printed whole: beforeprint lifts the start', async () => {
  // At DOMContentLoaded main.js has been evaluated (a module script) and the page is not ready yet (its network is
  // still on the way): a print then must lay out every section.
  const page = await openSite(browser, server.url, {}, () => {
    addEventListener('DOMContentLoaded', () => {
      const state = () => ({
        starting: document.documentElement.classList.contains('starting'),
        ready: document.body.dataset.ready ?? null,
        sections: [...document.querySelectorAll('main > section')].map((s) => getComputedStyle(s).contentVisibility),
      });
      const before = state();
      dispatchEvent(new Event('beforeprint'));
      window.printLog = { before, after: state() };
    });
  });
  const { before, after } = await page.evaluate(() => window.printLog);
  assert.equal(before.starting, true, 'the start had begun');
  assert.notEqual(after.ready, 'true', 'the page was already ready: the test saw nothing');
  assert.equal(after.starting, false, 'beforeprint left the start on');
  assert.deepEqual(new Set(after.sections), new Set(['visible']), 'a section would print empty');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
