// Training in the browser, in headless Chromium: a one-epoch run goes through its states to a test accuracy, the
// pad reads with the new network, a reload finds the trained network kept in "my networks", and a run paused holds
// where it is until it is resumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSite, recordStates, waitForState, DIGITS, drawFresh, checkReading, maxDifference } from './harness.mjs';

let page;
/** What the pretrained and the trained network read in the same drawings, by digit. */
const pretrained = {};
const trained = {};
let testAccuracy;
/** The trained network's entry in the picker. */
let kept;

withSite((site) => ({ page } = site));

/** Reads every test digit with the network on the pad. */
async function readAll() {
  const out = {};
  for (const digit of Object.keys(DIGITS)) {
    out[digit] = await drawFresh(page, DIGITS[digit]);
    checkReading(out[digit], assert);
  }
  return out;
}

test('a short training run goes through its states to a test accuracy', { timeout: 300_000 }, async () => {
  Object.assign(pretrained, await readAll());
  assert.equal(await page.locator('#train-status').getAttribute('data-state'), 'idle');

  await page.fill('#hidden', '20');
  await page.fill('#epochs', '1');
  await recordStates(page);
  await page.click('#train');
  await waitForState(page, ['done', 'error'], 280_000);
  const status = page.locator('#train-status');
  assert.equal(await status.getAttribute('data-state'), 'done', `training ended with: ${await status.textContent()}`);
  assert.deepEqual(await page.evaluate(() => window.states), ['idle', 'loading', 'training', 'done']);
  testAccuracy = Number(await status.getAttribute('data-test-accuracy'));
  assert.ok(testAccuracy > 0.85 && testAccuracy <= 1, `test accuracy after one epoch: ${testAccuracy}`);
  assert.match(await status.textContent(), /Done: 1 epochs?/);
  assert.match(await status.textContent(), new RegExp((testAccuracy * 100).toFixed(2)));
  // The run's time is its epoch's in the table, without the download before it and the test after.
  const said = Number((await status.textContent()).match(/in ([\d.]+) s/)[1]);
  const epochSeconds = Number(await page.locator('#epochs-table tbody tr td:last-child').textContent());
  assert.ok(Math.abs(said - epochSeconds) <= 0.051, `done in ${said} s, the epoch took ${epochSeconds} s`);
  assert.equal(await page.locator('#epochs-table tbody tr').count(), 1);
  assert.ok(await page.locator('#message').isHidden(), await page.locator('#message').textContent());

  // The loss chart's lines at round values, 1, 2 or 5 × 10ᵏ apart, from the first batches' loss (about ln 10) down.
  await page.locator('#loss-chart').scrollIntoViewIfNeeded();
  // (Before the run the chart's range is [0, 1]; the first batches' loss is well above 1.)
  await page.waitForFunction(() => Number(document.querySelector('#loss-chart').dataset.ticks?.split(' ').at(-1)) > 1);
  const ticks = (await page.locator('#loss-chart').getAttribute('data-ticks')).split(' ');
  const values = ticks.map(Number);
  const step = values[1] - values[0];
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6), `lines ${step} apart: ${ticks}`);
  values.forEach((v, i) => assert.ok(Math.abs(v - (values[0] + i * step)) < 1e-9, `uneven lines: ${ticks}`));
  assert.ok(values.length >= 3 && values.length <= 7, `${values.length} lines: ${ticks}`);
  assert.equal(new Set(ticks.map((t) => t.split('.')[1]?.length ?? 0)).size, 1, `labels of unequal digits: ${ticks}`);
});

test('the pad reads with the network just trained', async () => {
  assert.ok(testAccuracy, 'needs the training run');
  kept = await page.locator('#model-select').inputValue();
  assert.match(kept, /^saved-\d+$/);
  assert.match(await page.locator('#model-select option:checked').textContent(), new RegExp(`^Mine: ${(testAccuracy * 100).toFixed(2)}%`));
  assert.match(await page.locator('#model-info').textContent(), /784 → 20 → 10/);
  Object.assign(trained, await readAll());
  const differences = Object.keys(DIGITS).map((d) => maxDifference(trained[d].p, pretrained[d].p));
  assert.ok(Math.min(...differences) > 1e-3, `the readings did not change: ${differences}`);
  const right = Object.keys(DIGITS).filter((d) => trained[d].digit === Number(d));
  assert.ok(right.length >= Object.keys(DIGITS).length - 2, `the new network reads only ${right} right`);

  // Back to the pretrained network: the same drawing, the pretrained reading.
  await page.selectOption('#model-select', 'default');
  const again = await drawFresh(page, DIGITS[3]);
  assert.ok(maxDifference(again.p, pretrained[3].p) < 1e-6, `${again.p} vs ${pretrained[3].p}`);
  await page.selectOption('#model-select', kept);
});

test('after a reload the trained network is kept', async () => {
  assert.ok(testAccuracy, 'needs the training run');
  // The page keeps the network in IndexedDB before it says the run is done.
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.waitForFunction((key) => [...document.querySelectorAll('#model-select option')].some((o) => o.value === key), kept);
  const status = page.locator('#train-status');
  assert.equal(await status.textContent(), '1 network trained here is kept: pick one under the pad, or press Train.');
  assert.match(await page.locator(`#model-select option[value="${kept}"]`).textContent(), new RegExp(`^Mine: ${(testAccuracy * 100).toFixed(2)}%`));
  await page.selectOption('#model-select', kept);
  assert.match(await page.locator('#model-info').textContent(), /784 → 20 → 10/);
  for (const digit of Object.keys(DIGITS)) {
    const shown = await drawFresh(page, DIGITS[digit]);
    assert.ok(maxDifference(shown.p, trained[digit].p) < 1e-6, `digit ${digit}: ${shown.p} vs ${trained[digit].p}`);
  }
});

test('while a network learns on the pad, its squares are lit by the drawing', { timeout: 300_000 }, async (t) => {
  // Each network the run sends goes on the pad. The squares of its w1 are redrawn at most twice a second, more
  // rarely than networks come; each one, redrawn or not, lights the squares by its own activations a1 of the drawing
  // (each caption ends with its unit's a1, two decimals), which move as it learns.
  // Wide enough that the run takes seconds, even on a fast machine (48 units took about a second on a Zen 5, and
  // only 3 networks came), so that several networks come.
  const hidden = 160;
  await drawFresh(page, DIGITS[3]);
  await page.fill('#hidden', String(hidden));
  await page.fill('#epochs', '10');
  await page.locator('#units').scrollIntoViewIfNeeded();
  await page.evaluate(() => {
    window.unitRecords = [];
    let last = window.handwritten.activeModel();
    const captions = () => [...document.querySelectorAll('#units figcaption')].map((c) => c.textContent);
    const watch = () => {
      const now = window.handwritten.activeModel();
      if (now !== last) {
        last = now;
        const state = document.querySelector('#train-status').dataset.state;
        const info = document.querySelector('#model-info').textContent;
        // Three frames on, the page has read the drawing with this network (one frame after it went on the pad).
        const later = (n, f) => requestAnimationFrame(() => (n > 1 ? later(n - 1, f) : f()));
        later(3, () => window.handwritten.activeModel() === now && window.unitRecords.push({ state, info, captions: captions() }));
      }
      if (!window.stopWatching) requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
    // Clicked without scrolling, so that the squares stay on the screen.
    document.querySelector('#train').click();
  });
  await waitForState(page, ['done', 'error'], 280_000);
  const records = await page.evaluate(() => {
    window.stopWatching = true;
    return window.unitRecords;
  });
  assert.equal(await page.locator('#train-status').getAttribute('data-state'), 'done');
  const learning = records.filter((r) => r.state === 'training' && r.info.includes(`784 → ${hidden} → 10`));
  assert.ok(learning.length >= 4, `only ${learning.length} networks were seen on the pad while the run learned`);
  for (const { captions } of learning) {
    assert.equal(captions.length, Math.min(hidden, 64), 'one square for each hidden unit, the first 64 of them');
    assert.ok(captions.every((c) => /\s\d+\.\d\d$/.test(c)), `squares not lit by the drawing: ${captions.slice(0, 3)}…`);
  }
  // Lit by stale activations, the squares kept the numbers of the network last redrawn: in a test of that flaw the
  // numbers moved in 6 of 8 networks. (One may not move at two decimals where the learning rate has come down.)
  const moved = learning.slice(1).filter((r, i) => r.captions.join() !== learning[i].captions.join()).length;
  t.diagnostic(`${learning.length} networks seen learning; the activations moved in ${moved} of ${learning.length - 1}`);
  assert.ok(moved >= learning.length - 2, `the activations moved in only ${moved} of ${learning.length - 1} networks`);
});

test('the network of each epoch goes on the pad while the run learns, however short the epochs', { timeout: 300_000 }, async () => {
  // 20 units: an epoch takes about a tenth of a second, less than the worker's interval between the networks it
  // sends as they learn (MODEL_EVERY_MS). When only those went on the pad, it showed the network as initialised
  // until the run was done, and a run of 160 units on a fast machine put only 2 networks there.
  const epochs = 4;
  await page.fill('#hidden', '20');
  await page.fill('#epochs', String(epochs));
  await page.evaluate(() => {
    window.onPad = [];
    const select = document.querySelector('#model-select');
    new MutationObserver(() => {
      const live = select.querySelector('option[value="live"]');
      if (live && select.value === 'live' && window.onPad.at(-1) !== live.textContent) window.onPad.push(live.textContent);
    }).observe(select, { childList: true, characterData: true, subtree: true, attributes: true });
  });
  await page.click('#train');
  await waitForState(page, ['done', 'error'], 280_000);
  assert.equal(await page.locator('#train-status').getAttribute('data-state'), 'done');
  const onPad = await page.evaluate(() => window.onPad);
  const wanted = Array.from({ length: epochs }, (_, i) => `Learning now: epoch ${i + 1} of ${epochs}`);
  assert.deepEqual(wanted.filter((label) => !onPad.includes(label)), [], `on the pad: ${onPad}`);
});

test('Pause holds the run and says where it is; Resume goes on from there, and the pause is not counted', { timeout: 300_000 }, async () => {
  // Wide enough that an epoch takes a good part of a second, so that the pause falls inside one.
  await page.fill('#hidden', '200');
  await page.fill('#epochs', '3');
  // Every status line shown, with its state.
  await page.evaluate(() => {
    const status = document.querySelector('#train-status');
    window.lines = [];
    new MutationObserver(() => {
      const line = { state: status.dataset.state, text: status.textContent };
      const last = window.lines.at(-1);
      if (last?.state !== line.state || last.text !== line.text) window.lines.push(line);
    }).observe(status, { attributes: true, attributeFilter: ['data-state'], childList: true, characterData: true, subtree: true });
  });
  await page.click('#train');
  // Paused once the epoch has reported how far it has gone.
  await page.waitForFunction(() => document.querySelector('#train-status').textContent.includes('%'), null, { timeout: 120_000 });
  await page.click('#pause');
  await waitForState(page, ['paused']);
  const status = page.locator('#train-status');
  const text = await status.textContent();
  const bar = () => page.evaluate(() => document.querySelector('#train-progress').value);
  const at = await bar();
  // Inside an epoch the status says how far (the share of the bar's last report, which the pause's message follows);
  // at an epoch's end it names the next.
  const inside = text.match(/^Paused (\d+)% of the way through epoch (\d) of 3\. Resume or stop\.$/);
  const between = text.match(/^Paused in epoch (\d) of 3\. Resume or stop\.$/);
  assert.ok(inside || between, text);
  const epoch = Number((inside ?? between)[inside ? 2 : 1]);
  const share = inside ? Number(inside[1]) : 0;
  assert.equal(Math.round((at - (epoch - 1)) * 100), share, `the bar at ${at}; the status: ${text}`);
  assert.ok(await page.locator('#resume').isEnabled());
  assert.ok(await page.locator('#pause').isDisabled());
  assert.ok(await page.locator('#hidden').isDisabled());
  // The form shows the run's settings: the presets cannot change it either.
  assert.ok(await page.locator('#tutorial-preset').isDisabled());
  assert.ok(await page.locator('#default-settings').isDisabled());
  const pauseMs = 3000;
  await page.waitForTimeout(pauseMs);
  assert.equal(await bar(), at, 'the run went on while paused');
  assert.equal(await status.getAttribute('data-state'), 'paused');

  await page.click('#resume');
  await waitForState(page, ['done', 'error'], 280_000);
  assert.equal(await status.getAttribute('data-state'), 'done', await status.textContent());
  const lines = await page.evaluate(() => window.lines);
  const states = lines.map((l) => l.state).filter((s, i, all) => s !== all[i - 1]);
  assert.deepEqual(states, ['loading', 'training', 'paused', 'training', 'done']);
  // Resumed, the line is the one the pause replaced (the epoch's progress and loss), not a bare "Training epoch n…".
  const paused = lines.findIndex((l) => l.state === 'paused');
  assert.match(lines[paused - 1].text, /^Training epoch \d of 3(: \d+%, loss \d\.\d{3}|… \(test accuracy)/);
  assert.equal(lines[paused + 1].text, lines[paused - 1].text);
  // The epoch paused in is timed without the pause, as the others are.
  const seconds = (await page.locator('#epochs-table tbody tr td:last-child').allTextContents()).map(Number);
  assert.equal(seconds.length, 3);
  const others = seconds.filter((_, i) => i !== epoch - 1);
  assert.ok(seconds[epoch - 1] < Math.max(...others) + pauseMs / 2000, `epochs of ${seconds} s, paused ${pauseMs} ms in epoch ${epoch}`);
});

test('nothing went wrong behind the scenes', () => {
  assert.deepEqual(page.problems, []);
});
