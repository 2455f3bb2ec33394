// Follow one digit and teach it, in headless Firefox (geckodriver): a drawn digit's quantities agree with the bars
// and the identities of the derivation; a test digit the pretrained network misreads, picked from #mistakes, is
// read right within ten presses at the default settings, the test accuracy within a point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIGITS } from './harness.mjs';
import { withFirefox } from './firefox.mjs';
import { readFollow, checkIdentities } from './follow-checks.mjs';

let firefox;
withFirefox(async (site) => {
  ({ firefox } = site);
  const ready = await firefox.waitFor(() => document.body.dataset.ready, 'body[data-ready]');
  assert.equal(ready, 'true');
});

// #follow is drawn while it is on the screen (teach.js), so it is scrolled to, as a reader would, and read once the
// frame after it came into view has drawn it.
const follow = async () => {
  await firefox.run('document.querySelector("#follow").scrollIntoView()');
  await firefox.settle();
  await firefox.settle();
  return firefox.run(`return (${readFollow})()`);
};

test('a digit drawn in Firefox is followed through every equation', async () => {
  await firefox.run('document.querySelector("#clear").click()');
  await firefox.draw('#pad', DIGITS[7]);
  const shown = await follow();
  checkIdentities(shown, assert);
  const p = await firefox.run(`return [...document.querySelectorAll('#bars [data-digit]')]
    .sort((a, b) => a.dataset.digit - b.dataset.digit).map((el) => Number(el.dataset.p))`);
  shown.q.a2.forEach((v, k) => assert.ok(Math.abs(v - p[k]) < 1e-6, `a2[${k}] ${v} vs bar ${p[k]}`));
});

test('a misread test digit is taught within ten presses in Firefox', async () => {
  await firefox.run('document.querySelector("#show-mistakes").click()');
  await firefox.waitFor(() => document.querySelector('#mistakes').dataset.state === 'shown', '#mistakes shown', 120_000);
  const mistake = await firefox.run(`const el = document.querySelector('#mistakes .mistake'); el.click(); return { ...el.dataset };`);
  const label = Number(mistake.label);
  const followed = await follow();
  assert.equal(followed.y, label);
  checkIdentities(followed, assert);
  let presses = 0;
  let reads = followed.q.a2.indexOf(Math.max(...followed.q.a2));
  assert.equal(reads, Number(mistake.guess));
  while (reads !== label) {
    assert.ok(presses < 10, `still read as ${reads} after ${presses} presses`);
    presses += 1;
    await firefox.run(`document.querySelector('button[data-teach="${label}"]').click()`);
    await firefox.waitFor(
      new Function(`const s = document.querySelector('#teach-status'); return s.dataset.state === 'ready' && s.dataset.steps === '${presses}';`),
      `teaching step ${presses}`,
      120_000,
    );
    const now = await follow();
    reads = now.q.a2.indexOf(Math.max(...now.q.a2));
  }
  const status = await firefox.run(`return { ...document.querySelector('#teach-status').dataset }`);
  assert.ok(Math.abs(Number(status.accuracy) - Number(status.accuracyBefore)) <= 0.01, JSON.stringify(status));
});
