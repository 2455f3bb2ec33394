// The training form remembers what the person set, between visits, in headless Chromium: fields typed, picked or
// filled by "Train like the tutorial" are there again after a reload; "Default settings" puts back the page's own
// and forgets the rest; a kept entry the page cannot use (a value no field takes, settings the core refuses, text that
// is not JSON) gives the page's own settings and no error; with storage blocked the form works and keeps nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSite, openSite } from './harness.mjs';

let site;
/** The form as a first visit shows it: the core's defaults. */
let fresh;
/** Page errors and console errors of every page opened here. */
const problems = [];

withSite((s) => (site = s), { openPage: false });

const IDS = ['hidden', 'activation', 'learning-rate', 'batch-size', 'epochs', 'schedule', 'init', 'augment'];

/** The form's fields as shown: {id: value}. */
const form = (page) => page.evaluate((ids) => Object.fromEntries(ids.map((id) => [id, document.getElementById(id).value])), IDS);

/** The form's entries the page keeps in localStorage, as [key, value] pairs (none, or one per copy of the site). */
const keptEntries = (page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('handwritten.form:')).map((k) => [k, localStorage.getItem(k)]));

async function reload(page) {
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
}

/** A page in a fresh context (its own storage), `initScript` run before the page's scripts; closed after `body`. */
async function withPage(name, initScript, body) {
  const page = await openSite(site.browser, site.server.url, {}, initScript);
  try {
    await body(page);
  } finally {
    problems.push(...page.problems.map((p) => `${name}: ${p}`));
    await page.context().close();
  }
}

test('the fields set are there again after a reload, until "Default settings" puts back the page\'s own', async () => {
  await withPage('kept', undefined, async (page) => {
    fresh = await form(page);
    assert.deepEqual(await keptEntries(page), [], 'a first visit keeps nothing');
    // Typed (without leaving the field: a reload right after typing keeps it), and picked.
    await page.fill('#hidden', '64');
    await page.fill('#learning-rate', '0.25');
    await page.selectOption('#activation', 'relu');
    await page.selectOption('#augment', 'affine');
    const set = { ...fresh, hidden: '64', 'learning-rate': '0.25', activation: 'relu', augment: 'affine' };
    assert.notDeepEqual(set, fresh);
    await reload(page);
    assert.deepEqual(await form(page), set);
    const [[key]] = await keptEntries(page);
    assert.equal(key, 'handwritten.form:/', 'one entry, named by the site\'s root');

    await page.click('#tutorial-preset');
    const tutorial = await form(page);
    await reload(page);
    assert.deepEqual(await form(page), tutorial);
    assert.equal(tutorial['batch-size'], '1');

    await page.click('#default-settings');
    assert.deepEqual(await form(page), fresh);
    assert.deepEqual(await keptEntries(page), [], 'the kept fields are forgotten');
    await reload(page);
    assert.deepEqual(await form(page), fresh);
  });
});

test('a kept entry the page cannot use gives its own settings, and is forgotten', async () => {
  const entries = {
    'an option no longer offered': JSON.stringify({ activation: 'tanh' }),
    'settings the core refuses': JSON.stringify({ hidden: '0' }),
    'a number field given words': JSON.stringify({ epochs: 'ten' }),
    'not a string': JSON.stringify({ hidden: 64 }),
    'not JSON': '{hidden: 64',
    'not an object': '[1, 2]',
  };
  for (const [what, entry] of Object.entries(entries)) {
    await withPage(what, `localStorage.setItem('handwritten.form:/', ${JSON.stringify(entry)})`, async (page) => {
      assert.deepEqual(await form(page), fresh, what);
      const kept = await keptEntries(page);
      // (An entry that is not an object is not the page's: left as it is, and not used.)
      if (what !== 'not JSON' && what !== 'not an object') assert.deepEqual(kept, [], `${what}: still kept`);
    });
  }
  // A kept entry from before a field existed: the fields it has are put back, the new one keeps its default.
  const older = { ...fresh, hidden: '40' };
  delete older.augment;
  await withPage('older', `localStorage.setItem('handwritten.form:/', ${JSON.stringify(JSON.stringify(older))})`, async (page) => {
    assert.deepEqual(await form(page), { ...fresh, hidden: '40' });
  });
});

test('with storage blocked the form works and keeps nothing', async () => {
  const blocked = `Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('blocked', 'SecurityError'); } });`;
  await withPage('blocked', blocked, async (page) => {
    assert.ok(await page.evaluate(() => { try { return !localStorage; } catch { return true; } }), 'storage is not blocked');
    assert.deepEqual(await form(page), fresh);
    await page.fill('#hidden', '48');
    await page.selectOption('#schedule', 'step');
    await page.click('#default-settings');
    assert.deepEqual(await form(page), fresh);
    await page.fill('#hidden', '48');
    await reload(page);
    assert.deepEqual(await form(page), fresh);
  });
});

test('nothing went wrong behind the scenes', () => {
  assert.deepEqual(problems, []);
});
