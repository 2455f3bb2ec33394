// Uploading a model file in headless Chromium: a corrupted, truncated or foreign file gets a clear message and
// the pad keeps reading with the network it had; a good file goes on the pad.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SITE, withSite, DIGITS, drawFresh, reading, maxDifference } from './harness.mjs';

let page;
let model;
let before2;

withSite(async (site) => {
  page = site.page;
  model = await readFile(path.join(SITE, 'www/models/default.bin'));
  before2 = await drawFresh(page, DIGITS[2]);
  assert.equal(before2.digit, 2);
});

async function upload(name, buffer) {
  await page.evaluate(() => {
    const box = document.querySelector('#message');
    box.hidden = true;
    box.textContent = '';
  });
  await page.setInputFiles('#upload', { name, mimeType: 'application/octet-stream', buffer });
  await page.locator('#message').waitFor({ state: 'visible' });
  return page.locator('#message').textContent();
}

const corrupted = () => {
  const bytes = Buffer.from(model);
  bytes[1000] ^= 0x10; // one bit of one weight
  return bytes;
};

const badFiles = [
  ['corrupted.bin', corrupted, /checksum/],
  ['truncated.bin', () => model.subarray(0, model.length - 100), /truncated/],
  ['photo.png', () => Buffer.from('\x89PNG\r\n\x1a\n not a model', 'latin1'), /HWNN/],
  ['empty.bin', () => Buffer.alloc(0), /empty/],
];

for (const [name, bytes, problem] of badFiles) {
  test(`${name} is refused with a clear message and the old network keeps working`, async () => {
    const text = await upload(name, bytes());
    assert.match(text, new RegExp(name.replace('.', '\\.')), `the message does not name the file: ${text}`);
    assert.match(text, problem, `the message does not say what is wrong: ${text}`);
    assert.match(text, /keeps its network/);
    assert.ok(!(await page.locator('#message').evaluate((el) => el.classList.contains('ok'))));
    assert.equal(await page.locator('#model-select').inputValue(), 'default');
    assert.deepEqual(
      await page.locator('#model-select option').evaluateAll((os) => os.map((o) => o.value)),
      ['default', 'wide'],
    );
    // The drawing on the pad still reads the same, and a new drawing too.
    assert.ok(maxDifference((await reading(page)).p, before2.p) < 1e-6);
    const again = await drawFresh(page, DIGITS[2]);
    assert.ok(maxDifference(again.p, before2.p) < 1e-6, `${again.p} vs ${before2.p}`);
  });
}

test('a good model file goes on the pad', async () => {
  const text = await upload('copy.bin', model);
  assert.match(text, /Loaded copy\.bin/);
  assert.ok(await page.locator('#message').evaluate((el) => el.classList.contains('ok')));
  assert.equal(await page.locator('#model-select').inputValue(), 'uploaded');
  // The same weights as the pretrained network: the same reading.
  const shown = await drawFresh(page, DIGITS[2]);
  assert.ok(maxDifference(shown.p, before2.p) < 1e-6);
  // And a bad file after it leaves the uploaded network on the pad.
  await upload('corrupted.bin', corrupted());
  assert.equal(await page.locator('#model-select').inputValue(), 'uploaded');
});

test('nothing went wrong behind the scenes', () => {
  assert.deepEqual(page.problems, []);
});
