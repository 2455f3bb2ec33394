// www/nudge.js, the page's check of backprop by nudging, in Node against the page's own WebAssembly (www/pkg, built
// by make site): for the shipped network and the first MNIST test digits, every entry of ∂L/∂w1, ∂L/∂b1, ∂L/∂w2
// and ∂L/∂b2 that the Rust backward pass gives (Model.follow) is the slope of the loss nudged by ±ε, to as many
// digits as single precision keeps; a blank pixel's weights do not move the loss; a ReLU unit nudged across 0 is a
// kink; and a gradient off by 0.1% is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nudge, digitsKept, EPSILON } from '../www/nudge.js';
import { ROOT } from './e2e/harness.mjs';
import { testImages, testLabels } from './e2e/model-math.mjs';

const page = await import(pathToFileURL(path.join(ROOT, 'www/pkg/page.js')).href);
page.initSync({ module: fs.readFileSync(path.join(ROOT, 'www/pkg/page_bg.wasm')) });
const model = page.Model.fromBytes(fs.readFileSync(path.join(ROOT, 'www/models/default.bin')), 'default.bin');
const w2 = model.weights2();

/** The first `n` MNIST test images (784 pixels in [0, 1]) with their labels. */
const testDigits = (n) =>
  Array.from({ length: n }, (_, k) => ({
    pixels: Float32Array.from(testImages.subarray(k * 784, (k + 1) * 784), (p) => p / 255),
    label: testLabels[k],
  }));

const GRADIENTS = { w1: 'dw1', b1: 'db1', w2: 'dw2', b2: 'db2' };

/** How far backprop's value `b` and the nudged slope `s` are apart, in units of what single precision allows. */
const off = (b, s, kept) => Math.abs(b - s) / (Math.max(Math.abs(b), Math.abs(s)) * 10 ** (1 - kept) + 1e-10);

test('every derivative backprop gives is the slope of the loss nudged by ±ε, to the digits single precision keeps', () => {
  let worst = 0;
  let checked = 0;
  for (const { pixels, label } of testDigits(12)) {
    const d = model.follow(pixels, label, 0.1);
    for (const [tensor, name] of Object.entries(GRADIENTS)) {
      d[name].forEach((backprop, index) => {
        const n = nudge(d, tensor, index, model.activation, w2);
        assert.equal(n.kink, false, 'a sigmoid network has no kinks');
        assert.equal(n.kept, digitsKept(d, tensor, index, model.activation, w2));
        const ratio = off(backprop, n.slope, n.kept);
        assert.ok(ratio <= 1, `digit ${label}, ${tensor}[${index}]: backprop ${backprop}, nudged ${n.slope} (${n.kept} digits kept)`);
        worst = Math.max(worst, ratio);
        checked += 1;
        // The two losses lie either side of the derivation's, ε·∂L/∂θ away.
        assert.ok(Math.abs((n.lossPlus + n.lossMinus) / 2 - d.loss) <= 1e-6 * (1 + d.loss), `${tensor}[${index}]`);
      });
    }
  }
  assert.equal(checked, 12 * (784 * 28 + 28 + 28 * 10 + 10));
  assert.ok(worst > 0.01, `the tolerance is far looser than needed (worst ${worst}): tighten it`);
});

test('a blank pixel\'s weights do not move the loss, and backprop says 0 too', () => {
  const [{ pixels, label }] = testDigits(1);
  const d = model.follow(pixels, label, 0.1);
  assert.equal(pixels[0], 0);
  for (let j = 0; j < 28; j++) {
    const n = nudge(d, 'w1', j, model.activation, w2);
    assert.equal(n.lossPlus, n.lossMinus);
    assert.equal(n.slope, 0);
    assert.equal(d.dw1[j], 0);
  }
});

test('a gradient off by 0.1% is caught', () => {
  const [{ pixels, label }] = testDigits(1);
  const d = model.follow(pixels, label, 0.1);
  // The entries single precision keeps seven digits of: ∂L/∂w2 of the digits other than y.
  const entries = [...d.dw2.keys()].filter((i) => i % 10 !== d.y && Math.abs(d.dw2[i]) > 1e-6);
  assert.ok(entries.length > 50);
  for (const i of entries) {
    const n = nudge(d, 'w2', i, model.activation, w2);
    assert.ok(off(d.dw2[i] * 1.001, n.slope, n.kept) > 1, `w2[${i}]: ${d.dw2[i]} × 1.001 passes for ${n.slope}`);
  }
});

test('single precision keeps fewer digits where the sums that make an entry cancel', () => {
  // Two hidden units: unit 0's δ1 sums terms that cancel (w2[0, ·] = 1 for every digit: Σ_k δ2[k] = 0), unit 1's do
  // not; unit 1's sigmoid is saturated (a1 = 0.9999).
  const a2 = [0.99995, 0.00005, 0, 0, 0, 0, 0, 0, 0, 0];
  const delta2 = a2.map((a, k) => a - (k === 0 ? 1 : 0));
  const d = { a2, delta2, y: 0, z1: [0.1, 9.2], a1: [0.525, 0.9999] };
  const w = [...Array(10).fill(1), 2, -1, 0, 0, 0, 0, 0, 0, 0, 0];
  const digits = (tensor, index, activation = 'sigmoid') => digitsKept(d, tensor, index, activation, w);
  // δ2[0] = a2[0] − 1: log10(0.00005 / 2⁻²³) = 2.6 digits; δ2[1] = a2[1]: 6.9.
  assert.ok(Math.abs(digits('b2', 0) - Math.log10(0.00005 * 2 ** 23)) < 1e-3, String(digits('b2', 0)));
  assert.ok(digits('b2', 1) > 6.9);
  assert.equal(digits('w2', 10), digits('b2', 0)); // w2[1, 0]: digit 0
  assert.equal(digits('w2', 11), digits('b2', 1));
  // Unit 0: the sum cancels to (almost) nothing: no digit kept.
  assert.ok(digits('b1', 0) < 1, String(digits('b1', 0)));
  assert.equal(digits('w1', 2 * 2 + 0), digits('b1', 0));
  // Unit 1: 2·δ2[0] − δ2[1] does not cancel (2.6 digits from δ2[0]'s error), but a1(1 − a1) with a1 = 0.9999 keeps
  // only log10(0.0001 / 2⁻²³) = 2.9: together about 2.4.
  assert.ok(digits('b1', 1) > 2 && digits('b1', 1) < 2.7, String(digits('b1', 1)));
  // A ReLU unit's f′ is 0 or 1, exact.
  assert.ok(digits('b1', 1, 'relu') > digits('b1', 1));
});

test('a ReLU unit nudged across 0 is a kink; one that stays on its side is not', () => {
  // A network of two hidden units, a derivation as Model.follow gives it: z1[0] within ε·a0 of 0, z1[1] far from it.
  const a0 = new Float32Array(784);
  a0[3] = 1;
  const d = { a0, z1: [4e-4, 0.5], a1: [4e-4, 0.5], z2: [0.1, 0.2, 0, 0, 0, 0, 0, 0, 0, 0], a2: [], y: 1 };
  d.a2 = d.z2.map((z) => Math.exp(z) / d.z2.reduce((s, v) => s + Math.exp(v), 0));
  d.delta2 = d.a2.map((a, k) => a - (k === d.y ? 1 : 0));
  const w = Array.from({ length: 20 }, (_, k) => (k % 3) - 1);
  assert.ok(nudge(d, 'b1', 0, 'relu', w).kink);
  assert.ok(nudge(d, 'w1', 3 * 2 + 0, 'relu', w).kink, 'w1[3, 0]: a0[3] = 1 moves z1[0] by ±ε');
  assert.ok(!nudge(d, 'w1', 4 * 2 + 0, 'relu', w).kink, 'w1[4, 0]: pixel 4 is blank');
  assert.ok(!nudge(d, 'b1', 1, 'relu', w).kink);
  assert.ok(!nudge(d, 'b1', 0, 'sigmoid', w).kink);
  assert.ok(!nudge(d, 'w2', 0, 'relu', w).kink);
  // Away from the kink, the slope along b1[1] is backprop's: δ1[1] = Σ_k δ2[k]·w2[1, k] (ReLU′ = 1).
  const db1 = d.delta2.reduce((s, v, k) => s + v * w[10 + k], 0);
  assert.ok(Math.abs(nudge(d, 'b1', 1, 'relu', w).slope - db1) < 1e-7);
  assert.equal(EPSILON, 1e-3);
});
