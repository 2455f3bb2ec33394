// Faults of the training panel and the boundary (issue 11, items 8 to 12), in headless Chromium and Firefox, the
// network made to fail by a proxy in front of the site's server: MNIST data that arrives as an HTML page, a
// download that stalls, a network from the worker the page cannot read, an upload too large to be a model, pixels
// that are not numbers from 0 to 1, and a panic in the WebAssembly core. Each checks what the person sees and that
// the panel works again afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SITE } from './harness.mjs';
import { BROWSERS, openPage, click, fillForm, panel, waitForState, withProxy } from './browsers.mjs';

const site = withProxy();

const SMALL = { hidden: 16, epochs: 1, 'batch-size': 64 };

/** A module that makes the core's third training step trap, whether it is instantiated streaming or not. */
const TRAP = `
const trapThirdStep = (result) => {
  const real = result.instance.exports;
  let steps = 0;
  const exports = { ...real, training_step: (pointer, ...rest) => real.training_step(++steps === 3 ? 0xfffffff0 : pointer, ...rest) };
  return { instance: { exports }, module: result.module };
};
for (const name of ['instantiateStreaming', 'instantiate']) {
  const real = WebAssembly[name];
  WebAssembly[name] = async (...args) => trapThirdStep(await real(...args));
}
`;

/**
 * Counts the page's workers in window.workers ({terminated} each); with `corrupt`, the bytes of the first network a
 * worker sends are changed in one bit on their way to the page.
 */
function countWorkers(page, corrupt = false) {
  return page.evaluate((corruptFirst) => {
    const Real = Worker;
    window.workers = [];
    let corrupt = corruptFirst;
    window.Worker = class extends Real {
      constructor(url, options) {
        super(url, options);
        this.record = { terminated: false };
        window.workers.push(this.record);
        this.addEventListener('message', (e) => {
          if (corrupt && e.data.bytes) {
            e.data.bytes[100] ^= 0x40;
            corrupt = false;
          }
        });
      }
      terminate() {
        this.record.terminated = true;
        super.terminate();
      }
    };
  }, corrupt);
}

/** Trains one small epoch to done, as a person would after a fault: the panel must work. */
async function trainsAgain(page) {
  await fillForm(page, SMALL);
  await click(page, '#train');
  const p = await waitForState(page, ['done', 'error']);
  assert.equal(p.state, 'done', p.status);
  assert.match(p.status, /^Done: 1 epoch in/);
  assert.equal(p.message, null);
}

for (const name of BROWSERS) {
  test(`${name}: MNIST data that arrives as an HTML page is dropped and fetched again once`, { timeout: 300_000 }, async () => {
    const page = await openPage(name, site.proxy.url);
    try {
      // The first answer for the labels is a captive portal's page (which a cache may have kept).
      const before = site.proxy.requests(/train-labels/);
      site.proxy.fail(/train-labels-idx1-ubyte\.gz$/, 'garbage', 1);
      await trainsAgain(page);
      assert.equal(site.proxy.requests(/train-labels/) - before, 2, 'the labels were not fetched exactly twice');
    } finally {
      site.proxy.heal();
      await page.close();
    }
  });

  test(`${name}: Stop ends a stalled MNIST download, and Train works once the network is back`, { timeout: 300_000 }, async () => {
    const page = await openPage(name, site.proxy.url);
    try {
      site.proxy.fail(/\.gz$/, 'stall');
      await fillForm(page, SMALL);
      await click(page, '#train');
      await waitForState(page, ['loading']);
      await click(page, '#stop');
      const p = await waitForState(page, ['done', 'error', 'idle'], 15_000);
      assert.equal(p.state, 'done', p.status);
      assert.equal(p.status, 'Stopped before the first epoch ended: nothing was kept.');
      assert.ok(p.trainEnabled);
      site.proxy.heal();
      await trainsAgain(page);
    } finally {
      site.proxy.heal();
      await page.close();
    }
  });

  test(`${name}: Stop while the service worker streams a stalled MNIST file ends the run as stopped`, { timeout: 300_000 }, async () => {
    // The page under its service worker (which claims it at once), which passes the files through; each one's first
    // bytes arrive, then nothing. (The aborted body then failed as a TypeError, "Failed to fetch", not an AbortError,
    // and the run ended in "Training could not start: Failed to fetch".)
    const page = await openPage(name, site.proxy.url);
    try {
      await page.waitFor(() => navigator.serviceWorker.controller !== null, null, 'the service worker');
      site.proxy.fail(/\.gz$/, 'half');
      await fillForm(page, SMALL);
      await click(page, '#train');
      await page.waitFor(() => document.querySelector('#train-progress').value > 0, null, 'bytes to arrive', 30_000);
      await click(page, '#stop');
      const p = await waitForState(page, ['done', 'error', 'idle'], 15_000);
      assert.equal(p.state, 'done', p.status);
      assert.equal(p.status, 'Stopped before the first epoch ended: nothing was kept.');
      site.proxy.heal();
      await trainsAgain(page);
    } finally {
      site.proxy.heal();
      await page.close();
    }
  });

  test(`${name}: the download's progress counts to the size of the files where the server gives no length`, { timeout: 300_000 }, async () => {
    // Without a Content-Length the worker's total was the sizes of LeCun's gzip files, 11.6 MB, where the site's are
    // 11.4: the progress ended at "11.4 of 11.6 MB".
    const page = await openPage(name, site.proxy.url);
    try {
      site.proxy.fail(/\.gz$/, 'unsized');
      const before = site.proxy.requests(/\.gz$/);
      await page.evaluate(() => {
        window.fetching = [];
        const status = document.querySelector('#train-status');
        const record = () => status.dataset.state === 'loading' && window.fetching.push(status.textContent);
        new MutationObserver(record).observe(status, { childList: true, subtree: true, characterData: true, attributes: true });
      });
      await trainsAgain(page);
      assert.equal(site.proxy.requests(/\.gz$/) - before, 4, 'the MNIST files did not come through the proxy once each');
      const data = path.join(SITE, 'www/data');
      const bytes = readdirSync(data).reduce((sum, file) => sum + statSync(path.join(data, file)).size, 0);
      const mb = (bytes / 1e6).toFixed(1);
      const said = (await page.evaluate(() => window.fetching)).filter((t) => t.includes(' of '));
      assert.equal(said.at(-1), `Fetching the MNIST images: ${mb} of ${mb} MB…`, said.slice(-3).join(' | '));
    } finally {
      site.proxy.heal();
      await page.close();
    }
  });

  test(`${name}: a network from the worker that the page cannot read ends the run, the worker's too`, { timeout: 300_000 }, async () => {
    const page = await openPage(name, site.proxy.url);
    try {
      // The worker's first network arrives with one bit flipped (its checksum fails).
      await countWorkers(page, true);
      await fillForm(page, { ...SMALL, epochs: 5 });
      await click(page, '#train');
      const p = await waitForState(page, ['error', 'done']);
      assert.equal(p.state, 'error', p.status);
      assert.match(p.status, /^Training could not start: the network sent by the training worker could not be read: .*checksum/);
      assert.match(p.message, /The pad keeps working with its network\.$/);
      assert.ok(p.trainEnabled);
      assert.deepEqual(p.options.map((o) => o.value), ['default', 'wide']);
      assert.equal(p.selected, 'default');
      assert.deepEqual(await page.evaluate(() => window.workers), [{ terminated: true }], 'the worker was not stopped');
      // Train works again (no "a run is already going").
      await trainsAgain(page);
    } finally {
      await page.close();
    }
  });

  test(`${name}: an upload larger than any model file is refused before it is read`, async () => {
    const page = await openPage(name, site.proxy.url);
    try {
      const read = await page.evaluate(() => {
        const file = new File([new Uint8Array(13_025_349)], 'huge.bin');
        let read = false;
        file.arrayBuffer = () => {
          read = true;
          return Promise.reject(new Error('read'));
        };
        // The input holds the file, as after a file picker (the page reads input.files[0]).
        const input = document.querySelector('#upload');
        Object.defineProperty(input, 'files', { configurable: true, get: () => [file] });
        input.dispatchEvent(new Event('change'));
        // The page decides before its first await: reading would have begun by now.
        return read;
      });
      await page.waitFor(() => !document.querySelector('#message').hidden, null, 'a message');
      const p = await panel(page);
      assert.equal(read, false, 'the file was read');
      assert.equal(
        p.message,
        'huge.bin was not loaded, the pad keeps its network. It is 13,025,349 bytes; a model file is at most 13,025,348 bytes.',
      );
      assert.deepEqual(p.options.map((o) => o.value), ['default', 'wide']);
    } finally {
      await page.close();
    }
  });

  test(`${name}: pixels that are not numbers from 0 to 1 are refused with a clear error`, async () => {
    const page = await openPage(name, site.proxy.url);
    try {
      const errors = await page.evaluate(() => {
        const model = window.handwritten.activeModel();
        const out = [];
        for (const bad of [NaN, Infinity, -Infinity, 2, -0.5]) {
          const pixels = new Float32Array(784).fill(0.5);
          pixels[10] = bad;
          for (const call of ['predict', 'read']) {
            try {
              out.push(`${call} accepted ${bad}: ${JSON.stringify(model[call](pixels))}`);
            } catch (e) {
              out.push(JSON.stringify(e.core));
            }
          }
        }
        return out;
      });
      // The core's message, core.pixelRange, with the value as a number (JSON writes NaN and ±∞ as null) that the
      // page writes as the command line does ("pixel 10 of the image is -inf: ...", tests/i18n.test.mjs).
      const shown = ['null', 'null', 'null', '2', '-0.5'];
      const message = (v) => `{"key":"core.pixelRange","params":{"pixel":10,"value":{"real":${v},"single":true}}}`;
      assert.deepEqual(errors, shown.flatMap((v) => Array(2).fill(message(v))));
    } finally {
      await page.close();
    }
  });

  test(`${name}: after the core fails in the worker, the panel says why and the next run gets a fresh worker`, { timeout: 300_000 }, async () => {
    // The worker's module is served with a first import that makes the core trap in its third training step (the
    // step is given a pointer off the end of the core's memory): a WebAssembly trap, as a panic or running out of
    // memory is. The worker made after it gets the real module.
    const worker = readFileSync(path.join(SITE, 'www/worker.js'), 'utf8');
    site.proxy.fail(/\/www\/worker\.js$/, { type: 'text/javascript', body: `import './trap-third-step.js';\n${worker}` });
    site.proxy.fail(/\/www\/trap-third-step\.js$/, { type: 'text/javascript', body: TRAP });
    const page = await openPage(name, site.proxy.url);
    try {
      await countWorkers(page);
      await fillForm(page, SMALL);
      await click(page, '#train');
      const p = await waitForState(page, ['error', 'done']);
      assert.equal(p.state, 'error', p.status);
      assert.match(p.status, /^Training stopped: the WebAssembly core failed \(.*(out of bounds|outside).*\)/);
      assert.match(p.message, /The pad keeps working with its network\.$/);
      assert.ok(p.trainEnabled);
      assert.deepEqual(p.options.map((o) => o.value), ['default', 'wide']);
      assert.deepEqual(await page.evaluate(() => window.workers), [{ terminated: true }], 'the broken worker is not ended');
      // The next run starts a new worker (a fresh instance of the core) and trains.
      site.proxy.heal();
      await trainsAgain(page);
      assert.deepEqual(await page.evaluate(() => window.workers), [{ terminated: true }, { terminated: false }]);
    } finally {
      site.proxy.heal();
      await page.close();
    }
  });
}
