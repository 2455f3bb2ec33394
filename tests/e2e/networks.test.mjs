// "My networks" (issue 11, items 1 and 2), in headless Chromium and Firefox: every run that finishes an epoch
// keeps its network in a list (IndexedDB) that survives reloads; Stop keeps the last finished epoch; a run stopped
// before its first epoch keeps nothing and replaces nothing; each kept network can be put on the pad, downloaded
// and deleted. And the accuracy kept beside a network is that network's: the test evaluates the kept bytes on the
// 10,000 MNIST test images itself (its own forward pass, below) and compares.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './harness.mjs';
import { testLogits, accuracy } from './model-math.mjs';
import { BROWSERS, openPage, click, fillForm, panel, waitForState, storedRecords } from './browsers.mjs';

/** The record's stated accuracy is its bytes' accuracy (to one test image: float rounding may flip a near tie). */
function checkAccuracy(record) {
  const measured = accuracy(testLogits(record.bytes));
  assert.ok(
    Math.abs(measured - record.testAccuracy) <= 1e-4,
    `the kept network reads ${measured} of the test images right, its record says ${record.testAccuracy}`,
  );
}

const saved = (p) => p.options.filter((o) => o.value.startsWith('saved-'));

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.close());

for (const name of BROWSERS) {
  test(`${name}: my networks are kept, listed, downloaded and deleted; Stop keeps the last finished epoch`, { timeout: 600_000 }, async () => {
    const page = await openPage(name, server.url);
    try {
      // A first run of one epoch.
      await fillForm(page, { hidden: 16, epochs: 1, 'batch-size': 64 });
      await click(page, '#train');
      let p = await waitForState(page, ['done', 'error']);
      assert.equal(p.state, 'done', p.status);
      assert.equal(saved(p).length, 1, JSON.stringify(p.options));
      const first = saved(p)[0];
      assert.equal(p.selected, first.value, 'the kept network is not on the pad');
      assert.match(first.label, new RegExp(`${(p.testAccuracy * 100).toFixed(2)}%.*784 → 16 → 10 sigmoid, 1 epoch,`));
      let records = await storedRecords(page);
      assert.equal(records.length, 1);
      assert.equal(records[0].testAccuracy, p.testAccuracy);
      assert.equal(records[0].epochs, 1);
      checkAccuracy(records[0]);
      const firstBytes = records[0].bytes;

      // A second run of a thousand epochs (so that it cannot end before Stop), stopped after its first: it keeps its
      // last finished epoch, beside the first run's.
      await fillForm(page, { epochs: 1000 });
      await click(page, '#train');
      await page.waitFor(() => Number(document.querySelector('#train-status').dataset.epoch) >= 1, null, 'epoch 1 to finish', 120_000);
      await click(page, '#stop');
      p = await waitForState(page, ['done', 'error']);
      assert.equal(p.state, 'done', p.status);
      // Stop came after epoch 1, maybe after a later one too: the status and the record name the last one finished.
      const epochs = Number(await page.evaluate(() => document.querySelector('#train-status').dataset.epoch));
      assert.ok(epochs >= 1 && epochs < 1000, `${epochs} epochs`);
      assert.match(p.status, new RegExp(`^Stopped after ${epochs} full epochs?\\..*The network of epoch ${epochs} is kept`));
      assert.equal(saved(p).length, 2, JSON.stringify(p.options));
      assert.equal(p.selected, saved(p)[1].value);
      assert.match(saved(p)[1].label, new RegExp(`${epochs} epochs? \\(stopped\\)`));
      records = await storedRecords(page);
      assert.equal(records.length, 2);
      const second = records.find((r) => r.settings.epochs === 1000);
      assert.equal(second.epochs, epochs);
      assert.equal(second.complete, false);
      checkAccuracy(second);
      assert.deepEqual(records.find((r) => r.settings.epochs === 1).bytes, firstBytes, 'the first network changed');

      // A third run stopped before its first epoch ends keeps nothing and replaces nothing. Its epoch takes seconds
      // (512 units, one image a step), so that Stop, answered between slices of about 60 ms, lands inside it.
      await fillForm(page, { hidden: 512, 'batch-size': 1 });
      await click(page, '#train');
      await waitForState(page, ['training', 'done', 'error']);
      await click(page, '#stop');
      p = await waitForState(page, ['done', 'error']);
      assert.equal(p.status, 'Stopped before the first epoch ended: nothing was kept.');
      assert.equal(saved(p).length, 2);
      assert.equal(p.selected, saved(p)[1].value, 'the pad lost the network it had before the run');
      assert.equal((await storedRecords(page)).length, 2);

      // After a reload both are there, with the same labels, and the panel says so.
      const labels = saved(p).map((o) => o.label);
      await page.reload();
      await page.waitFor(() => document.querySelectorAll('#model-select option').length === 4, null, 'the kept networks');
      p = await panel(page);
      assert.deepEqual(saved(p).map((o) => o.label), labels);
      assert.match(p.status, /^2 networks trained here are kept/);

      // Download the first: the file is its kept bytes.
      const downloaded = await page.evaluate(async (key) => {
        const select = document.querySelector('#model-select');
        select.value = key;
        select.dispatchEvent(new Event('change'));
        const real = URL.createObjectURL;
        let blob = null;
        URL.createObjectURL = (b) => {
          blob = b;
          return real(b);
        };
        try {
          document.querySelector('#download').click();
        } finally {
          URL.createObjectURL = real;
        }
        return Array.from(new Uint8Array(await blob.arrayBuffer()));
      }, saved(p)[0].value);
      assert.deepEqual(downloaded, firstBytes);

      // Delete it: gone from the list, from storage, and after a reload.
      assert.equal(await page.evaluate(() => document.querySelector('#delete').disabled), false);
      await click(page, '#delete');
      await page.waitFor(() => document.querySelectorAll('#model-select option').length === 3, null, 'the deletion');
      p = await panel(page);
      assert.equal(p.selected, 'default');
      assert.match(p.message, /^Deleted “Mine: /);
      assert.equal(await page.evaluate(() => document.querySelector('#delete').disabled), true, 'the pretrained network can be deleted');
      records = await storedRecords(page);
      assert.deepEqual(records.map((r) => r.settings.epochs), [1000]);
      await page.reload();
      await page.waitFor(() => document.querySelectorAll('#model-select option').length === 3, null, 'the kept network');
      assert.deepEqual(saved(await panel(page)).map((o) => o.label), labels.slice(1));
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  });
}

for (const name of BROWSERS) {
  test(`${name}: the network an earlier version kept (one database for the whole origin) joins the list`, { timeout: 120_000 }, async () => {
    const page = await openPage(name, server.url);
    try {
      // What the earlier version left: the database 'handwritten' with the one record 'trained' in 'models'; and
      // this copy's own database not made yet.
      const kept = await page.evaluate(async () => {
        const bytes = new Uint8Array(await (await fetch('www/models/default.bin')).arrayBuffer());
        const request = (req) =>
          new Promise((resolve, reject) => {
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
        await request(indexedDB.deleteDatabase(`handwritten:${new URL('./', location.href).pathname}`));
        const open = indexedDB.open('handwritten', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('models');
        const db = await request(open);
        const record = { bytes, settings: { hidden: 28, epochs: 3 }, epochs: 3, testAccuracy: 0.9123, complete: true, date: 1 };
        await new Promise((resolve, reject) => {
          const tx = db.transaction('models', 'readwrite');
          tx.objectStore('models').put(record, 'trained');
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
        db.close();
        return bytes.length;
      });
      await page.reload();
      await page.waitFor(() => document.querySelectorAll('#model-select option').length === 3, null, 'the adopted network');
      const p = await panel(page);
      assert.equal(saved(p).length, 1, JSON.stringify(p.options));
      assert.match(saved(p)[0].label, /^Mine: 91\.23%/);
      const records = await storedRecords(page);
      assert.equal(records.length, 1);
      assert.equal(records[0].bytes.length, kept);
      assert.equal(records[0].testAccuracy, 0.9123);
      // The old database is left as it was: another copy of the site on this origin may adopt it too.
      const old = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const open = indexedDB.open('handwritten');
            open.onsuccess = () => resolve([...open.result.objectStoreNames]) || open.result.close();
          }),
      );
      assert.deepEqual(old, ['models']);
    } finally {
      await page.close();
    }
  });
}
