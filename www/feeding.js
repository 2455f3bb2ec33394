// The batches of a run with augmentation, made by the feeder worker (feeder.js) while this worker trains, on another
// core where there is one: the training worker (worker.js) and the browser benchmark (benches/web/bench.js) ask it
// for chunks of batches ahead of the training, and the run takes them (Training.feed, Training.stepQueued). The
// page's module has no augmentation; the feeder's module has, and it makes the batches a trainer with augmentation
// makes itself natively (src/feed.rs), so that the network is the same, bit for bit.

/** Images in a chunk, about: a chunk of elastic distortions is then about 1 MB. */
const CHUNK_IMAGES = 2048;
/** Chunks asked for ahead of the training. */
const AHEAD = 4;

let worker = null;
let runs = 0;

/**
 * The feeder worker, started the first time and kept across runs with its copy of the training set (`data`'s); null
 * where a worker cannot start one.
 */
function feederWorker(data) {
  if (!worker) {
    try {
      worker = new Worker(new URL('./feeder.js', import.meta.url), { type: 'module' });
    } catch {
      return null;
    }
    const images = data.trainImages();
    const labels = data.trainLabels();
    worker.postMessage({ type: 'data', images, labels }, [images.buffer, labels.buffer]);
  }
  return worker;
}

/** The feeder's error, as the training worker throws its own: its message a descriptor, the core's, or text. */
function feederError(message) {
  const e = new Error(typeof message === 'string' ? message : 'feeder');
  if (message.key) e.descriptor = message;
  if (message.core) e.core = message.core;
  return e;
}

/**
 * The feeding of `training` (a Training of `data`'s training set, none of its batches trained yet) by the feeder
 * worker, or null when its settings have no augmentation (the run makes its own batches). Throws `noFeeder` (an
 * Error) where a worker cannot start another.
 */
export function feed(training, data, noFeeder) {
  const settings = training.settings();
  if (settings.augment === 'off') return null;
  const feeder = feederWorker(data);
  if (!feeder) throw noFeeder;
  return new Feeding(feeder, training, settings);
}

class Feeding {
  constructor(feeder, training, settings) {
    this.feeder = feeder;
    this.training = training;
    this.run = ++runs;
    /** Batches a chunk. */
    this.chunk = Math.max(1, Math.round(CHUNK_IMAGES / settings.batch_size));
    /** The run's batches not yet asked for, and the chunks asked for that have not come. */
    this.left = training.batchesPerEpoch * settings.epochs;
    this.coming = 0;
    this.error = null;
    this.wake = null;
    feeder.onmessage = ({ data: msg }) => this.received(msg);
    // The feeder's script or module did not load (offline and not cached, say): the run cannot go on, and the next
    // run with augmentation starts a new feeder.
    feeder.onerror = (event) => {
      event.preventDefault();
      if (worker === feeder) worker = null;
      feeder.terminate();
      this.received({ type: 'error', run: this.run, message: { key: 'worker.feederFailed', params: {} } });
    };
    feeder.postMessage({ type: 'start', run: this.run, settings });
    this.ask();
  }

  /** Asks for chunks until AHEAD chunks' worth are queued or coming. */
  ask() {
    while (this.left > 0 && !this.error && this.coming * this.chunk + this.training.queued < AHEAD * this.chunk) {
      const batches = Math.min(this.chunk, this.left);
      this.feeder.postMessage({ type: 'more', run: this.run, batches });
      this.left -= batches;
      this.coming++;
    }
  }

  received(msg) {
    if (msg.run !== this.run || this.closed) return;
    if (msg.type === 'chunk') {
      this.coming--;
      try {
        this.training.feed(msg.bytes);
      } catch (e) {
        this.error = e;
      }
    } else {
      this.error = feederError(msg.message);
      if (msg.fatal) {
        if (worker === this.feeder) worker = null;
        this.feeder.terminate();
      }
    }
    this.ask();
    this.wake?.();
  }

  /** Resolves once a batch is queued (at once if one is) or the run is closed; throws the feeder's error. */
  async ready() {
    while (!this.training.queued && !this.error && !this.closed) await new Promise((resolve) => (this.wake = resolve));
    this.wake = null;
    if (this.error) throw this.error;
    this.ask();
  }

  /** Trains at most `max` of the queued batches (at least one must be queued: see `ready`). */
  step(max) {
    const progress = this.training.stepQueued(Math.min(max, this.training.queued));
    this.ask();
    return progress;
  }

  /** The run is over: what the feeder still sends for it is dropped. */
  close() {
    this.closed = true;
    this.wake?.();
  }
}
