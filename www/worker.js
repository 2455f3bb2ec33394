// The training worker: fetches the gzip-compressed MNIST files (once), trains in
// slices of batches so that it can answer pause, resume and stop between them,
// and reports progress, per-epoch test results and the network as it learns.
//
// Messages in:  {type: 'start', settings} | {type: 'pause'} | {type: 'resume'} | {type: 'stop'}
// Messages out: {type: 'loading', file, loaded, total} | {type: 'loaded', seconds}
//               {type: 'started', settings, batchesPerEpoch}
//               {type: 'progress', epoch, batch, batchesPerEpoch, loss, accuracy, learningRate}
//               {type: 'model', bytes} | {type: 'epoch', epoch, seconds, testLoss, testAccuracy, trainLoss, trainAccuracy, confusion,
//                                          tutorialAccuracy}
//               {type: 'paused'} | {type: 'resumed'} | {type: 'done', reason: 'finished'|'stopped'} | {type: 'error', message}
//
// Requests with an id (lab-client.js), each answered with its id, or {type: 'error', id, message}:
//   {type: 'teach', id, bytes, pixels, label, rate, replay, seed, evaluateBefore}
//       → {type: 'taught', id, bytes, loss, accuracy, accuracyBefore}
//   {type: 'mistakes', id, bytes, max} → {type: 'mistakes', id, list, total, images (max × 784 bytes)}
//   {type: 'evaluate', id, bytes} → {type: 'evaluated', id, evaluation}
// An error's message is the core's own text (a string, which the page translates, see core-errors.js) or a message of
// the worker as a descriptor {key, params} of the page's string tables (i18n.js).

import init, { Data, Model, Training } from './pkg/handwritten.js';

const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
/** Approximate compressed sizes, for a progress bar before the server says. */
const EXPECTED = [9912422, 28881, 1648877, 4542];
/** Work per slice before looking at messages again (ms). */
const SLICE_MS = 60;
/** Network updates sent to the page at most this often (ms). */
const MODEL_EVERY_MS = 250;
/** Points per epoch on the training curves. */
const POINTS_PER_EPOCH = 25;

const ready = init();
/** @type {Data|null} kept across runs, so a second run does not fetch again */
let data = null;
/** @type {Promise<Data>|null} the one download, shared by a training run and the requests */
let loading = null;
let run = null;

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
/** A message for the page to show in its language: a key of www/i18n/*.json and its parameters. */
const say = (key, params = {}) => ({ key, params });

/** Waits for the next task: lets pause/resume/stop messages in (a MessageChannel avoids setTimeout's 4 ms clamp). */
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const nextTask = () => new Promise((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });

self.onmessage = async ({ data: msg }) => {
  if (msg.id !== undefined) return answer(msg);
  try {
    if (msg.type === 'start') await start(msg.settings);
    else if (msg.type === 'pause' && run && !run.paused) { run.paused = true; post({ type: 'paused' }); }
    else if (msg.type === 'resume' && run?.paused) { run.paused = false; run.wake?.(); post({ type: 'resumed' }); }
    else if (msg.type === 'stop' && run) { run.stopped = true; run.wake?.(); }
  } catch (e) {
    post({ type: 'error', message: e?.descriptor ?? errorText(e) });
  }
};

function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

/** An Error carrying a message descriptor (see `say`), which the page shows in its language. */
function failure(message, cause) {
  const e = new Error(message.key, { cause });
  e.descriptor = message;
  return e;
}

async function start(settings) {
  if (run) {
    post({ type: 'error', message: say('worker.busy'), busy: true });
    return;
  }
  run = { paused: false, stopped: false, wake: null };
  try {
    await ready;
    data = await getData();
    if (run.stopped) return post({ type: 'done', reason: 'stopped' });
    const training = new Training(settings, data);
    try {
      await train(training);
    } finally {
      training.free();
    }
  } finally {
    run = null;
  }
}

/** The MNIST data, fetched on the first call only (again after a failed fetch). */
function getData() {
  if (!loading) {
    loading = loadData().catch((e) => {
      loading = null;
      throw e;
    });
  }
  return loading;
}

/** Answers a request from lab-client.js (see the header) about the network in `msg.bytes`. */
async function answer(msg) {
  const { id } = msg;
  try {
    await ready;
    const d = await getData();
    const model = Model.fromBytes(msg.bytes, 'the network on the pad');
    try {
      if (msg.type === 'teach') {
        const before = msg.evaluateBefore ? d.evaluate(model).accuracy : null;
        const loss = d.teach(model, msg.pixels, msg.label, msg.rate, msg.replay, msg.seed);
        const accuracy = d.evaluate(model).accuracy;
        const bytes = model.toBytes();
        post({ type: 'taught', id, bytes, loss, accuracy, accuracyBefore: before }, [bytes.buffer]);
      } else if (msg.type === 'mistakes') {
        const list = d.mistakes(model);
        const shown = list.slice(0, msg.max);
        const images = new Uint8Array(shown.length * 784);
        shown.forEach((m, n) => images.set(d.testImageBytes(m.index), n * 784));
        post({ type: 'mistakes', id, list, total: d.testSize, images }, [images.buffer]);
      } else if (msg.type === 'evaluate') {
        post({ type: 'evaluated', id, evaluation: d.evaluate(model) });
      } else {
        throw new Error(`unknown request ${msg.type}`);
      }
    } finally {
      model.free();
    }
  } catch (e) {
    post({ type: 'error', id, message: e?.descriptor ?? errorText(e) });
  }
}

async function loadData() {
  const t0 = performance.now();
  const loaded = [0, 0, 0, 0];
  const totals = EXPECTED.slice();
  const report = (file) =>
    post({ type: 'loading', file, loaded: loaded.reduce((a, b) => a + b), total: totals.reduce((a, b) => a + b) });
  const bytes = await Promise.all(
    FILES.map(async (name, i) => {
      const url = new URL(`data/${name}`, import.meta.url);
      let response;
      try {
        response = await fetch(url);
      } catch (e) {
        throw failure(say('worker.fetchFailed', { name, error: errorText(e) }), e);
      }
      if (!response.ok) {
        throw failure(say('worker.fetchStatus', { name, status: String(response.status), statusText: response.statusText }));
      }
      const length = Number(response.headers.get('Content-Length'));
      if (length > 0 && !response.headers.get('Content-Encoding')) totals[i] = length;
      // Count the compressed bytes as they arrive, then gunzip in the browser.
      const counter = new TransformStream({
        transform(chunk, controller) {
          loaded[i] += chunk.byteLength;
          report(name);
          controller.enqueue(chunk);
        },
      });
      let stream = response.body.pipeThrough(counter);
      if (!response.headers.get('Content-Encoding')) stream = stream.pipeThrough(new DecompressionStream('gzip'));
      try {
        return new Uint8Array(await new Response(stream).arrayBuffer());
      } catch (e) {
        throw failure(say('worker.unreadable', { name, error: errorText(e) }), e);
      }
    }),
  );
  const result = Data.fromIdx(bytes[0], bytes[1], bytes[2], bytes[3]);
  post({ type: 'loaded', seconds: (performance.now() - t0) / 1000, trainSize: result.trainSize, testSize: result.testSize });
  return result;
}

async function train(training) {
  const settings = training.settings();
  const perEpoch = training.batchesPerEpoch;
  const stretch = Math.max(1, Math.ceil(perEpoch / POINTS_PER_EPOCH));
  post({ type: 'started', settings, batchesPerEpoch: perEpoch });
  sendModel(training);
  // A large network's bytes are sent less often (every 250 ms up to about 100,000 parameters).
  const modelEvery = MODEL_EVERY_MS * Math.max(1, (795 * settings.hidden + 10) / 1e5);
  let slice = 8; // batches per slice, adapted to take about SLICE_MS
  let lastModel = performance.now();
  let epochStart = performance.now(); // wall clock of the epoch, pauses left out, evaluation excluded
  let pos = 0; // batches done in the current epoch
  let sum = { loss: 0, correct: 0, images: 0 };
  let epochSum = { loss: 0, correct: 0, images: 0 };
  while (!training.isFinished) {
    if (run.paused && !run.stopped) {
      const pausedAt = performance.now();
      await new Promise((resolve) => (run.wake = resolve));
      epochStart += performance.now() - pausedAt;
    }
    if (run.stopped) break;
    const t0 = performance.now();
    let p;
    let done = 0;
    // Never cross a curve point's boundary inside a call.
    do {
      p = training.step(Math.min(slice - done, stretch - (pos % stretch)));
      const after = p.epoch_done ? perEpoch : p.batch;
      done += after - pos;
      pos = p.epoch_done ? 0 : after;
      for (const s of [sum, epochSum]) {
        s.loss += p.loss * p.images;
        s.correct += p.accuracy * p.images;
        s.images += p.images;
      }
      if (p.epoch_done || pos % stretch === 0) {
        post({
          type: 'progress',
          epoch: p.epoch,
          batch: p.batch,
          batchesPerEpoch: perEpoch,
          loss: sum.loss / sum.images,
          accuracy: sum.correct / sum.images,
          learningRate: p.learning_rate,
        });
        sum = { loss: 0, correct: 0, images: 0 };
      }
    } while (done < slice && !p.epoch_done);
    const ms = performance.now() - t0;
    slice = Math.max(1, Math.min(4096, Math.round((done * SLICE_MS) / Math.max(ms, 1))));
    if (p.epoch_done) {
      const seconds = (performance.now() - epochStart) / 1000;
      const e = training.evaluate();
      post({
        type: 'epoch',
        epoch: p.epoch,
        seconds,
        trainLoss: epochSum.loss / epochSum.images,
        trainAccuracy: epochSum.correct / epochSum.images,
        testLoss: e.loss,
        testAccuracy: e.accuracy,
        confusion: e.confusion,
        tutorialAccuracy: e.tutorial_accuracy,
      });
      sendModel(training);
      lastModel = performance.now();
      epochStart = performance.now();
      epochSum = { loss: 0, correct: 0, images: 0 };
    } else if (performance.now() - lastModel > modelEvery) {
      sendModel(training);
      lastModel = performance.now();
    }
    await nextTask();
  }
  sendModel(training);
  post({ type: 'done', reason: training.isFinished ? 'finished' : 'stopped', epochs: training.epochsDone });
}

function sendModel(training) {
  const model = training.model();
  const bytes = model.toBytes();
  model.free();
  post({ type: 'model', bytes }, [bytes.buffer]);
}
