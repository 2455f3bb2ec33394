// The browser benchmark: the release wasm (pkg/) training the tutorial's network on the 60,000
// MNIST images (data/) and reading single digits, timed in the page with performance.now().
// Driven by scripts/bench-browser.mjs through window.runBench(settings); also runnable by hand
// from the console. Only the Rust calls are timed (not fetching or parsing the data).
import init, { Data, Training, preprocess } from './pkg/handwritten.js';
import { feed } from './feeding.js';

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

async function bytes(name) {
  const response = await fetch(`data/${name}`);
  if (!response.ok) throw new Error(`data/${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** One epoch of `training`: its batches made in this thread, or taken from `feeding` as the feeder makes them. */
async function epoch(training, feeding) {
  if (!feeding) return training.step(training.batchesPerEpoch);
  let progress;
  do {
    await feeding.ready();
    progress = feeding.step(training.batchesPerEpoch);
  } while (!progress.epoch_done);
  return progress;
}

/** Microseconds per call of `f`, median over `rounds` rounds of `calls` calls (timer resolution is coarse). */
function perCall(f, rounds, calls) {
  for (let i = 0; i < calls; i++) f(i); // warm-up
  const us = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) f(i);
    us.push(((performance.now() - t) * 1000) / calls);
  }
  return median(us);
}

/** A drawing as the page's pad would hand it over: RGBA, ink in the alpha channel, 10× an MNIST digit. */
function drawing(pixels, scale) {
  const side = 28 * scale;
  const rgba = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      rgba[(y * side + x) * 4 + 3] = Math.round(pixels[Math.floor(y / scale) * 28 + Math.floor(x / scale)] * 255);
    }
  }
  return { rgba, side };
}

window.runBench = async (settings = {}) => {
  const {
    epochs = 3,
    hidden = 28,
    epochsOnly = false,
    batch1Samples = 20000,
    inferCalls = 1000,
    inferRounds = 15,
    augmentWidths = [28, 256],
  } = settings;
  await init();
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(bytes),
  );
  let t = performance.now();
  const data = Data.fromIdx(trainImages, trainLabels, testImages, testLabels);
  const loadMs = performance.now() - t;
  const out = { userAgent: navigator.userAgent, loadMs, epochSeconds: [], testAccuracy: [] };

  // Batch 32: the tutorial's network (`hidden` units wide, 28 unless asked), η = 0.5 constant, scaled init (as the NumPy and TF.js peers), a fresh
  // network each time, one epoch over all 60,000 images.
  let model;
  for (let e = 0; e < epochs; e++) {
    const training = new Training(
      { hidden, activation: 'sigmoid', epochs: 1, batch_size: 32, learning_rate: 0.5, schedule: 'constant', init: 'scaled', seed: e + 1 },
      data,
    );
    t = performance.now();
    const progress = training.step(training.batchesPerEpoch);
    out.epochSeconds.push((performance.now() - t) / 1000);
    if (!progress.epoch_done) throw new Error('the epoch did not finish in one call');
    out.testAccuracy.push(training.evaluate().accuracy);
    model = training.model();
    training.free();
  }
  out.epochMedianSeconds = median(out.epochSeconds);
  // The scaling table (scripts/bench.mjs) times only the batch-32 epochs at each width.
  if (epochsOnly) return out;

  // What augmentation costs: plain, affine and elastic epochs side by side, at h = 28 (sigmoid) and h = 256 (ReLU),
  // batch 32, `epochs` epochs of a fresh network each, the median (`augment.h28.affine` etc., in seconds), as the
  // batch-32 epochs above and the native benchmark (until this round one epoch each). An augmented epoch is the
  // page's: its batches made by the feeder worker (www/feeder.js, through www/feeding.js) while this thread trains,
  // timed from the epoch's start until its last batch is trained (waits for the feeder included). The first epoch of
  // each is also kept (`augmentFirst`), the first to run that setting's code; the very first augmented one (h = 28,
  // affine) also starts the feeder worker and hands it the training set.
  out.augment = {};
  out.augmentFirst = {};
  for (const width of augmentWidths) {
    const activation = width <= 32 ? 'sigmoid' : 'relu';
    const [row, first] = [{}, {}];
    for (const augment of ['off', 'affine', 'elastic']) {
      const training = new Training({ hidden: width, activation, epochs, batch_size: 32, augment, seed: 1 }, data);
      const seconds = [];
      let feeding = null;
      for (let e = 0; e < epochs; e++) {
        t = performance.now();
        if (e === 0) feeding = feed(training, data, new Error('no worker can start the feeder worker here'));
        await epoch(training, feeding);
        seconds.push((performance.now() - t) / 1000);
      }
      feeding?.close();
      training.free();
      [row[augment], first[augment]] = [median(seconds), seconds[0]];
    }
    out.augment[`h${width}`] = row;
    out.augmentFirst[`h${width}`] = first;
  }

  // Batch 1: the tutorial's algorithm (uniform init, η = 0.1), the first `batch1Samples` steps of an epoch.
  {
    const training = new Training(
      { hidden: 28, activation: 'sigmoid', epochs: 1, batch_size: 1, learning_rate: 0.1, schedule: 'constant', init: 'uniform', seed: 1 },
      data,
    );
    t = performance.now();
    training.step(batch1Samples);
    out.batch1SamplesPerSecond = batch1Samples / ((performance.now() - t) / 1000);
    training.free();
  }

  // Single-digit inference with the network just trained: predict alone on 784 pixels, and preprocess + predict
  // on a 280×280 RGBA drawing (what the page does on every pointer move, after getImageData).
  const images = Array.from({ length: 100 }, (_, i) => Float32Array.from(data.testImageBytes(i), (p) => p / 255));
  out.predictMicros = perCall((i) => model.predict(images[i % images.length]), inferRounds, inferCalls);
  const drawings = images.slice(0, 10).map((p) => drawing(p, 10));
  out.preprocessPredictMicros = perCall(
    (i) => {
      const d = drawings[i % drawings.length];
      model.predict(preprocess(d.rgba, d.side, d.side));
    },
    inferRounds,
    Math.max(1, inferCalls / 10),
  );
  document.getElementById('out').textContent = JSON.stringify(out, null, 1);
  return out;
};
window.benchReady = true;
