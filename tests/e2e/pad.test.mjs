// The drawing pad in headless Chromium: digits drawn with the mouse and a finger are read by the pretrained
// network, the ten probabilities add up to 1, and clear and undo do what they say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withSite,
  DIGITS,
  drawFresh,
  drawWithMouse,
  drawWithTouch,
  padBox,
  reading,
  checkReading,
  maxDifference,
} from './harness.mjs';

let server;
let browser;
let page;
withSite((site) => ({ server, browser, page } = site));

test('an empty pad shows no prediction', async () => {
  const { digit, p } = await reading(page);
  assert.equal(digit, null);
  assert.deepEqual(p, Array(10).fill(0));
  assert.ok(await page.locator('#clear').isDisabled());
  assert.ok(await page.locator('#undo').isDisabled());
});

for (const digit of Object.keys(DIGITS).map(Number)) {
  test(`a ${digit} drawn with the mouse is read as ${digit}`, async () => {
    const shown = await drawFresh(page, DIGITS[digit]);
    checkReading(shown, assert);
    assert.equal(shown.digit, digit, `drew ${digit}, the page shows ${shown.digit}: ${shown.p}`);
    assert.ok(shown.p[digit] > 0.5, `p(${digit}) = ${shown.p[digit]}`);
  });
}

test('the 28×28 preview shows the drawing centred', async () => {
  await drawFresh(page, DIGITS[1]);
  const centre = await page.evaluate(() => {
    const ctx = document.querySelector('#preview').getContext('2d');
    const d = ctx.getImageData(0, 0, 28, 28).data;
    let mass = 0;
    let x = 0;
    let y = 0;
    for (let i = 0; i < 784; i++) {
      const v = d[4 * i];
      mass += v;
      x += v * (i % 28);
      y += v * Math.floor(i / 28);
    }
    return { mass, x: x / mass, y: y / mass };
  });
  assert.ok(centre.mass > 0, 'the preview is blank');
  assert.ok(Math.abs(centre.x - 14) < 1 && Math.abs(centre.y - 14) < 1, `centre of the preview at ${centre.x}, ${centre.y}`);
});

test('a stroke drawn on past the edge is read as the pad shows it, along the edge', async () => {
  // Down the middle, on past the bottom edge, then far to the right below the pad; and the same stroke as the pad
  // shows it, held to the edge. (The ink off the pad, unseen, was read: a 6 at 65% where the pad showed a 1.)
  const off = await drawFresh(page, [[[0.5, 0.2], [0.5, 0.9], [0.5, 1.3], [1.5, 1.3]]]);
  const held = await drawFresh(page, [[[0.5, 0.2], [0.5, 0.9], [0.5, 1], [1, 1]]]);
  checkReading(off, assert);
  assert.equal(off.digit, held.digit, `${off.p} against ${held.p}`);
  assert.ok(maxDifference(off.p, held.p) < 0.02, `${off.p} against ${held.p}`);
  // And a stroke that leaves the pad to the left and comes back reads as one along the left edge.
  const out = await drawFresh(page, [[[0.4, 0.2], [-0.4, 0.5], [0.4, 0.8]]]);
  const edge = await drawFresh(page, [[[0.4, 0.2], [0, 0.35], [0, 0.65], [0.4, 0.8]]]);
  assert.ok(maxDifference(out.p, edge.p) < 0.05, `${out.p} against ${edge.p}`);
});

test('clear empties the pad and the prediction', async () => {
  const drawn = await drawFresh(page, DIGITS[7]);
  assert.notEqual(drawn.digit, null);
  await page.click('#clear');
  const { digit, p } = await reading(page);
  assert.equal(digit, null);
  assert.deepEqual(p, Array(10).fill(0));
  assert.ok(await page.locator('#clear').isDisabled());
});

test('undo removes the last stroke only', async () => {
  // A 1, then a bar across its top makes it a 7; undo gives the 1 back.
  const one = await drawFresh(page, DIGITS[1]);
  assert.equal(one.digit, 1);
  await drawWithMouse(page, [
    [
      [0.25, 0.16],
      [0.52, 0.15],
    ],
  ]);
  const seven = await reading(page);
  checkReading(seven, assert);
  assert.ok(maxDifference(seven.p, one.p) > 0.2, `the second stroke changed little: ${one.p} → ${seven.p}`);
  await page.click('#undo');
  const back = await reading(page);
  assert.equal(back.digit, 1);
  // The 1 is redrawn in one piece rather than as it was drawn, segment by segment: nearly the same ink.
  assert.ok(maxDifference(back.p, one.p) < 0.05, `after undo ${back.p}, before the second stroke ${one.p}`);
  await page.click('#undo');
  const empty = await reading(page);
  assert.equal(empty.digit, null);
  assert.ok(await page.locator('#undo').isDisabled());
});

/** Presses `key` `times` times. */
async function press(key, times = 1) {
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

test('the pad can be reached with Tab and drawn on with the keyboard alone', async () => {
  if (await page.locator('#clear').isEnabled()) await page.click('#clear');
  // From the top of the page (its first link), Tab until the pad has the focus, as a keyboard user would.
  await page.evaluate(() => document.querySelector('a[href]').focus());
  for (let i = 0; i < 30 && !(await page.evaluate(() => document.activeElement?.id === 'pad')); i++) await press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pad', 'Tab never reached the pad');
  assert.match(await page.locator('#pad-message').textContent(), /Arrow keys move the pen/);

  const scrolled = await page.evaluate(() => window.scrollY);
  // A 1: up to the top, pen down, straight down, pen up (Space, then Enter).
  await press('ArrowUp', 8);
  await press('Space');
  await press('ArrowDown', 16);
  assert.equal((await reading(page)).digit !== null, true, 'the pad reads while the pen is down');
  await press('Enter');
  const one = await reading(page);
  checkReading(one, assert);
  assert.equal(one.digit, 1, `the keyboard 1 reads as ${one.digit}: ${one.p}`);
  assert.match(await page.locator('#announce').textContent(), /^Read as 1,/);

  // Escape clears; then a 7: a bar to the right, and from its end down to the left (a staircase of fine steps).
  await press('Escape');
  assert.equal((await reading(page)).digit, null);
  await press('ArrowLeft', 5);
  await press('Space');
  await press('ArrowRight', 10);
  for (let i = 0; i < 16; i++) {
    await press('ArrowDown');
    await press('Shift+ArrowLeft');
  }
  await press('Space');
  const seven = await reading(page);
  checkReading(seven, assert);
  assert.equal(seven.digit, 7, `the keyboard 7 reads as ${seven.digit}: ${seven.p}`);

  // Arrow keys and Space on the pad move the pen, not the page.
  assert.equal(await page.evaluate(() => window.scrollY), scrolled);
  await page.click('#clear');
});

test('a digit drawn with a finger is read like one drawn with the mouse', async () => {
  const context = await browser.newContext({ viewport: { width: 500, height: 900 }, hasTouch: true, isMobile: true });
  try {
    const phone = await context.newPage();
    await phone.goto(server.url);
    await phone.waitForFunction(() => document.body.dataset.ready === 'true');
    const pointerTypes = await phone.evaluateHandle(() => {
      const seen = new Set();
      document.querySelector('#pad').addEventListener('pointerdown', (e) => seen.add(e.pointerType));
      return seen;
    });
    await drawWithTouch(phone, DIGITS[7]);
    const shown = await reading(phone);
    assert.deepEqual(await pointerTypes.evaluate((seen) => [...seen]), ['touch']);
    checkReading(shown, assert);
    assert.equal(shown.digit, 7, `drew 7 with a finger, the page shows ${shown.digit}: ${shown.p}`);
    // The page did not scroll while drawing.
    assert.equal(await phone.evaluate(() => window.scrollY), 0);
  } finally {
    await context.close();
  }
});

test('while a stroke is drawn, the sections below the pad are laid out only if seen, each keeping its height', async () => {
  // The page is whole once it is idle after its start; a first digit puts the derivation on show.
  await page.waitForFunction(() => !document.documentElement.classList.contains('starting'));
  await drawFresh(page, DIGITS[1]);
  const layout = () =>
    page.evaluate(() => ({
      height: document.documentElement.scrollHeight,
      sections: [...document.querySelectorAll('main > section:not(#draw)')].map(
        (s) => `${s.id} ${getComputedStyle(s).contentVisibility} ${Math.round(s.getBoundingClientRect().height)}`,
      ),
    }));
  const whole = await layout();
  assert.equal(whole.sections.length, 5);
  const skipped = { ...whole, sections: whole.sections.map((s) => s.replace(' visible ', ' auto ')) };
  assert.ok(whole.sections.every((s) => s.includes(' visible ')), whole.sections.join('; '));
  // A second stroke, by the mouse: skipped while the button is down (each section as tall as it was), whole after.
  const box = await padBox(page);
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.3, { steps: 4 });
  assert.deepEqual(await layout(), skipped);
  await page.mouse.up();
  assert.deepEqual(await layout(), whole);
  // And by the keyboard's pen: from Space to Space.
  await page.focus('#pad');
  await press('Space');
  await press('ArrowRight', 2);
  assert.deepEqual(await layout(), skipped);
  await press('Space');
  assert.deepEqual(await layout(), whole);
  await page.click('#clear');
});

test('nothing went wrong behind the scenes', () => {
  assert.deepEqual(page.problems, []);
});
