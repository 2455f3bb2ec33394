// The page's own WebAssembly module (www/pkg/page*, web/page) and the workers' (www/pkg/handwritten*, web/boundary),
// in Node (built by make site): the page's leaves out the batch kernels of the layers wider than 32 units (the
// feature batch-kernels, Cargo.toml) and goes row after row through the row kernels, which must give the same bits.
// For the shipped networks, 784-28-10 and the wide 784-800-10, and the first MNIST test digits, every quantity of
// Follow one digit (Model.follow: a0 to a2 after the step, ∂L/∂w1 included) and every prediction are the same bits in
// both modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './e2e/harness.mjs';
import { testImages } from './e2e/model-math.mjs';

async function load(name) {
  const module = await import(pathToFileURL(path.join(ROOT, `www/pkg/${name}.js`)).href);
  module.initSync({ module: fs.readFileSync(path.join(ROOT, `www/pkg/${name}_bg.wasm`)) });
  return module;
}
const [page, workers] = [await load('page'), await load('handwritten')];

/** A value as text that keeps every bit: floats as the hex of their f32s, the rest as JSON. */
const bits = (v) =>
  ArrayBuffer.isView(v) || Array.isArray(v) ? Buffer.from(Float32Array.from(v).buffer).toString('hex') : JSON.stringify(v);

/** The quantities of `follow` for the first `n` test digits in `module`'s Model of `file`, with η. */
function derivations(module, file, n, learningRate) {
  const model = module.Model.fromBytes(fs.readFileSync(path.join(ROOT, 'www/models', file)), file);
  return Array.from({ length: n }, (_, k) => {
    const pixels = Float32Array.from(testImages.subarray(k * 784, (k + 1) * 784), (p) => p / 255);
    const d = model.follow(pixels, undefined, learningRate);
    return { hidden: model.hidden, predict: bits(model.predict(pixels)), ...Object.fromEntries(Object.entries(d).map(([q, v]) => [q, bits(v)])) };
  });
}

for (const [file, hidden] of [['default.bin', 28], ['wide.bin', 800]]) {
  test(`the page's module and the workers' follow digits through ${file} (h = ${hidden}) to the same bits`, () => {
    const [p, w] = [derivations(page, file, 12, 0.1), derivations(workers, file, 12, 0.1)];
    assert.equal(w[0].hidden, hidden);
    assert.ok(['dw1', 'delta1', 'z1', 'a2_after'].every((q) => q in w[0]), 'follow names its quantities');
    for (let k = 0; k < w.length; k++) {
      for (const q of Object.keys(w[k])) assert.equal(p[k][q], w[k][q], `digit ${k}, ${q}`);
    }
    // The comparison sees a difference where there is one: another η moves a2 after the step.
    const other = derivations(workers, file, 1, 0.2)[0];
    assert.notEqual(other.a2_after, w[0].a2_after);
  });
}
