// The training worker: fetches the gzip-compressed MNIST files (once), trains in slices of batches so that it can
// answer pause, resume and stop between them, and reports progress, each finished epoch with its network and test
// results, and the network as it learns. Every message carries what it refers to, so nothing depends on the order
// in which two of them arrive. A run with augmentation takes its batches from the feeder worker, which this worker
// starts the first time (feeding.js, feeder.js): the page's module has no augmentation.
//
// Messages in:  {type: 'start', settings} | {type: 'pause'} | {type: 'resume'} | {type: 'stop'}
// Messages out, in a run's life:
//   {type: 'loading', loaded, total}                          MNIST bytes arrived so far (compressed)
//   {type: 'loaded', seconds, trainSize, testSize}
//   {type: 'started', settings, batchesPerEpoch, parameters}  settings with every field filled in (and the seed)
//   {type: 'progress', epoch, batch, batchesPerEpoch, loss, accuracy, learningRate}
//                                                             means over the batches since the last report
//   {type: 'model', bytes, epoch, batch}                      the network while it learns: after `batch` batches of
//                                                             epoch `epoch` (batch 0 of epoch 1: as initialised)
//   {type: 'epoch', epoch, bytes, seconds, trainLoss, trainAccuracy, testLoss, testAccuracy, confusion,
//    tutorialAccuracy}                                        tutorialAccuracy: what the tutorial's code would print
//                                                             a finished epoch: its network's bytes and that same
//                                                             network's results on the test set
//   {type: 'paused', epoch} | {type: 'resumed', epoch}
//   {type: 'done', reason: 'finished'|'stopped', epochs}      the run is over; `epochs` were finished
//   {type: 'error', message, fatal?}                          the run is over; fatal: this worker's WebAssembly
//                                                             instance is unusable (a panic), start a new worker
//   {type: 'error', message, busy: true}                      a start while a run is going (that run goes on)
// An error's message is the worker's own, a descriptor {key, params} of the page's string tables (i18n.js), or the
// core's: {core} (the message the core threw, worded by the page, see core-errors.js) or the text of another error.
//
// Requests with an id (lab-client.js), each answered with its id, or {type: 'error', id, message}:
//   {type: 'teach', id, bytes, pixels, label, rate, replay, seed, evaluateBefore}
//       → {type: 'taught', id, bytes, loss, accuracy, accuracyBefore}
//   {type: 'mistakes', id, bytes, max} → {type: 'mistakes', id, list, total, images (max × 784 bytes)}
//   {type: 'evaluate', id, bytes} → {type: 'evaluated', id, evaluation}

//
// Requests with an id (lab-client.js, in a worker of its own), each answered with its id, or {type: 'error', id,
// message}; the network they are about is sent as its model file bytes:
//   {type: 'teach', id, bytes, pixels, label, rate, replay, seed, evaluateBefore}
//       → {type: 'taught', id, bytes, loss, accuracy, accuracyBefore}
//   {type: 'mistakes', id, bytes, max} → {type: 'mistakes', id, list, total, images (max × 784 bytes)}
//   {type: 'evaluate', id, bytes} → {type: 'evaluated', id, evaluation}
//   ({type: 'error', id, message, fatal: true}: a trap in the core; this worker cannot answer again)

import init, { Data, Model, Training, lastPanic } from './pkg/handwritten.js';
import { feed } from './feeding.js';

const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
const URLS = FILES.map((name) => new URL(`data/${name}`, import.meta.url).href);
/* global MNIST_GZIP_BYTES */
/**
 * The files' sizes, for the progress where a response gives no length (a server that sends chunks, the service
 * worker's copy): those of the files the site was built with, which scripts/build-site.sh writes in (esbuild's define).
 */
const EXPECTED = MNIST_GZIP_BYTES;
/** Work per slice before looking at messages again (ms). */
const SLICE_MS = 60;
/** Network updates sent to the page at most this often (ms), for networks of up to 100,000 parameters. */
const MODEL_EVERY_MS = 250;
/** Points per epoch on the training curves. */
const POINTS_PER_EPOCH = 25;

const ready = init();
/** @type {Data|null} kept across runs, so a second run does not fetch again */
let data = null;
/** The run going, if any: {paused, stopped, wake, abort: AbortController, epoch}. */
let run = null;

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
/** A message for the page to show in its language: a key of www/i18n/*.json and its parameters. */
const say = (key, params = {}) => ({ key, params });

/** Waits for the next task: lets pause/resume/stop messages in (a MessageChannel avoids setTimeout's 4 ms clamp). */
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const nextTask = () => new Promise((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });

self.onmessage = ({ data: msg }) => {
  if (msg.id !== undefined) answer(msg);
  else if (msg.type === 'start') start(msg.settings);
  else if (msg.type === 'pause' && run && !run.paused && !run.stopped) {
    run.paused = true;
    post({ type: 'paused', epoch: run.epoch });
  } else if (msg.type === 'resume' && run?.paused) {
    run.paused = false;
    run.wake?.();
    post({ type: 'resumed', epoch: run.epoch });
  } else if (msg.type === 'stop' && run) {
    run.stopped = true;
    run.abort.abort();
    run.wake?.();
    run.feeding?.close();
  }
};

function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

/** What to post for a thrown value: its descriptor, the core's message as it threw it, or its text. */
function errorPosted(e) {
  return e?.descriptor ?? (e?.core ? { core: e.core } : errorText(e));
}

/** An Error carrying a message descriptor (see `say`), which the page shows in its language. */
function failure(message, cause, Type = Error) {
  const e = new Type(message.key, { cause });
  e.descriptor = message;
  return e;
}

/** A fetched MNIST file that is not what it should be: truncated, not gzip, or not an IDX file. */
class Undecodable extends Error {}

async function start(settings) {
  if (run) {
    post({ type: 'error', message: say('worker.busy'), busy: true });
    return;
  }
  run = { paused: false, stopped: false, wake: null, abort: new AbortController(), epoch: 1 };
  let training = null;
  try {
    await ready;
    if (!data) data = await loadData(run.abort.signal);
    if (run.stopped) {
      post({ type: 'done', reason: 'stopped', epochs: 0 });
      return;
    }
    training = new Training(settings, data);
    await train(training);
    training.free();
  } catch (e) {
    // Stopped while the data was on its way: however the fetch ended (an AbortError; a TypeError "Failed to fetch"
    // where the service worker was streaming the body), the stop is the answer.
    if (run.stopped && (e?.name === 'AbortError' || (!training && run.abort.signal.aborted))) {
      post({ type: 'done', reason: 'stopped', epochs: 0 });
    } else if (e instanceof WebAssembly.RuntimeError) {
      // A panic (or running out of memory) in the core: this instance cannot be used again, and freeing
      // `training` would only throw a second error. Report the first one; the page starts a fresh worker.
      let panic = '';
      try {
        panic = lastPanic() ?? '';
      } catch {
        // The instance is too broken to say more.
      }
      const message = panic ? say('worker.panic', { panic }) : say('worker.coreFailed', { error: e.message });
      post({ type: 'error', message, fatal: true });
    } else {
      training?.free();
      post({ type: 'error', message: errorPosted(e) });
    }
  } finally {
    run = null;
  }
}

/** @type {Promise<Data>|null} the download for the requests: one, however many requests wait for it */
let requestData = null;

/** Answers a request from lab-client.js (see the header) about the network in `msg.bytes`. */
async function answer(msg) {
  const { id } = msg;
  try {
    await ready;
    requestData ??= (data ? Promise.resolve(data) : loadData(new AbortController().signal)).catch((e) => {
      requestData = null;
      throw e;
    });
    const d = (data = await requestData);
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
    // A trap in the core leaves this instance unusable: the client starts a fresh worker for the next request.
    post({ type: 'error', id, message: errorPosted(e), fatal: e instanceof WebAssembly.RuntimeError });
  }
}

/**
 * The four MNIST files as a Data. A file that arrives but cannot be decoded (an error page or a truncated file
 * kept in a cache) is dropped from the caches and fetched once more from the network.
 */
async function loadData(signal) {
  const t0 = performance.now();
  let result;
  try {
    result = await fetchData(signal, false);
  } catch (e) {
    if (!(e instanceof Undecodable)) throw e;
    await forgetCached();
    result = await fetchData(signal, true);
  }
  post({ type: 'loaded', seconds: (performance.now() - t0) / 1000, trainSize: result.trainSize, testSize: result.testSize });
  return result;
}

/** Deletes the MNIST files from this origin's caches (the service worker's), so the next fetch goes to the network. */
async function forgetCached() {
  if (!self.caches) return;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    await Promise.all(URLS.map((url) => cache.delete(url)));
  }
}

async function fetchData(signal, again) {
  const loaded = [0, 0, 0, 0];
  const totals = EXPECTED.slice();
  const report = () => post({ type: 'loading', loaded: loaded.reduce((a, b) => a + b), total: totals.reduce((a, b) => a + b) });
  const bytes = await Promise.all(
    FILES.map(async (name, i) => {
      let response;
      try {
        response = await fetch(URLS[i], { signal, cache: again ? 'reload' : 'default' });
      } catch (e) {
        if (signal.aborted) throw e;
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
          report();
          controller.enqueue(chunk);
        },
      });
      let stream = response.body.pipeThrough(counter);
      if (!response.headers.get('Content-Encoding')) stream = stream.pipeThrough(new DecompressionStream('gzip'));
      try {
        return new Uint8Array(await new Response(stream).arrayBuffer());
      } catch (e) {
        if (signal.aborted) throw e;
        throw failure(say('worker.unreadable', { name, error: errorText(e) }), e, Undecodable);
      }
    }),
  );
  try {
    return Data.fromIdx(bytes[0], bytes[1], bytes[2], bytes[3]);
  } catch (e) {
    throw Object.assign(new Undecodable(errorText(e), { cause: e }), { core: e?.core });
  }
}

const mean = (sum) => ({ loss: sum.lossSum / sum.samples, accuracy: sum.correct / sum.samples });
const zero = () => ({ lossSum: 0, correct: 0, samples: 0 });

/** Trains `training`, its batches made by the feeder worker on another core when they are distorted (feeding.js). */
async function train(training) {
  const feeding = feed(training, data, failure(say('worker.noFeeder')));
  run.feeding = feeding; // Stop ends a wait for the feeder too
  try {
    await trainRun(training, feeding);
  } finally {
    feeding?.close();
  }
}

async function trainRun(training, feeding) {
  const settings = training.settings();
  const perEpoch = training.batchesPerEpoch;
  const stretch = Math.max(1, Math.ceil(perEpoch / POINTS_PER_EPOCH));
  const { parameters } = sendModel(training, 1, 0);
  post({ type: 'started', settings, batchesPerEpoch: perEpoch, parameters });
  // A large network's bytes are sent less often.
  const modelEvery = MODEL_EVERY_MS * Math.max(1, parameters / 1e5);
  let slice = 8; // batches per slice, adapted to take about SLICE_MS
  let lastModel = performance.now();
  let epochStart = performance.now(); // wall clock of the epoch, pauses left out, evaluation excluded
  let pos = 0; // batches done in the current epoch
  let sum = zero(); // since the last progress report
  let epochSum = zero();
  while (!training.isFinished) {
    if (run.paused && !run.stopped) {
      const pausedAt = performance.now();
      await new Promise((resolve) => (run.wake = resolve));
      epochStart += performance.now() - pausedAt;
    }
    if (run.stopped) break;
    await feeding?.ready(); // counted in the epoch's time: the training waits for it
    if (run.stopped) break;
    const t0 = performance.now();
    let p;
    let done = 0;
    // Never cross a curve point's boundary inside a call.
    do {
      const batches = Math.min(slice - done, stretch - (pos % stretch));
      p = feeding ? feeding.step(batches) : training.step(batches);
      const after = p.epoch_done ? perEpoch : p.batch;
      done += after - pos;
      pos = p.epoch_done ? 0 : after;
      for (const s of [sum, epochSum]) {
        s.lossSum += p.loss_sum;
        s.correct += p.correct;
        s.samples += p.samples;
      }
      if (p.epoch_done || pos % stretch === 0) {
        post({ type: 'progress', epoch: p.epoch, batch: p.batch, batchesPerEpoch: perEpoch, ...mean(sum), learningRate: p.learning_rate });
        sum = zero();
      }
    } while (done < slice && !p.epoch_done && (!feeding || training.queued));
    const ms = performance.now() - t0;
    slice = Math.max(1, Math.min(4096, Math.round((done * SLICE_MS) / Math.max(ms, 1))));
    if (p.epoch_done) {
      const seconds = (performance.now() - epochStart) / 1000;
      const e = training.evaluate();
      const { bytes } = snapshot(training); // the network just evaluated
      const train = mean(epochSum);
      post(
        {
          type: 'epoch',
          epoch: p.epoch,
          bytes,
          seconds,
          trainLoss: train.loss,
          trainAccuracy: train.accuracy,
          testLoss: e.loss,
          testAccuracy: e.accuracy,
          confusion: e.confusion,
          tutorialAccuracy: e.tutorial_accuracy,
        },
        [bytes.buffer],
      );
      run.epoch = p.epoch + 1;
      lastModel = performance.now();
      epochStart = performance.now();
      epochSum = zero();
    } else if (performance.now() - lastModel > modelEvery) {
      sendModel(training, p.epoch, p.batch);
      lastModel = performance.now();
    }
    await nextTask();
  }
  post({ type: 'done', reason: training.isFinished ? 'finished' : 'stopped', epochs: training.epochsDone });
}

/** The network as trained so far: its model file's bytes and its number of parameters. */
function snapshot(training) {
  const model = training.model();
  try {
    return { bytes: model.toBytes(), parameters: model.parameters };
  } finally {
    model.free();
  }
}

/** Sends the network while it learns; returns the snapshot sent. */
function sendModel(training, epoch, batch) {
  const shot = snapshot(training);
  post({ type: 'model', bytes: shot.bytes, epoch, batch }, [shot.bytes.buffer]);
  return shot;
}
