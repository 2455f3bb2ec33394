// The feeder worker: makes the batches of a training run with augmentation (each epoch's shuffle, each image's
// distortion) while the training worker (worker.js, through feeding.js) trains the batches before them, on another
// core where there is one. It loads the feeder's WebAssembly module (src/wasm_feeder.rs), the only one with
// augmentation. Its chunks hold the very batches a trainer with augmentation would make itself, from the same random
// draws (src/feed.rs), so that a run is the same network as natively. One chunk per request, so that requests and a
// new run's start are answered in order.
//
// Messages in:  {type: 'data', images, labels}         the training set: n × 784 bytes and n bytes (once)
//               {type: 'start', run, settings}         a new run: its settings with every field (the seed too)
//               {type: 'more', run, batches}           the run's next `batches` batches
// Messages out: {type: 'chunk', run, bytes}            those batches, packed (Training.feed takes them)
//               {type: 'error', run, message, fatal?}  the feeder cannot go on with the run; fatal: nor with another
//                                                      (its message as the training worker posts its own)
import init, { Feeder, lastPanic } from './pkg/feeder.js';

const ready = init();
/** @type {Feeder|null} the training set, once it has come */
let feeder = null;
/** Why the training set could not be taken, for every run after. */
let broken = null;
/** The run being fed: {run}, with `failed` once it cannot go on. */
let current = null;

self.onmessage = async ({ data: msg }) => {
  try {
    await ready;
  } catch {
    // The module did not load: no run can be fed (the training worker then starts another feeder for the next).
    const message = { key: 'worker.feederFailed', params: {} };
    if (msg.type === 'start') self.postMessage({ type: 'error', run: msg.run, message, fatal: true });
    return;
  }
  if (msg.type === 'start') current = { run: msg.run };
  else if (msg.type === 'more' && (msg.run !== current?.run || current.failed)) return;
  try {
    if (msg.type === 'data') {
      feeder?.free();
      feeder = null;
      feeder = new Feeder(msg.images, msg.labels);
      broken = null;
    } else if (msg.type === 'start') {
      if (broken) throw broken;
      feeder.start(msg.settings);
    } else if (msg.type === 'more') {
      const bytes = feeder.next(msg.batches);
      self.postMessage({ type: 'chunk', run: msg.run, bytes }, [bytes.buffer]);
    }
  } catch (e) {
    if (msg.type === 'data') broken = e;
    let message = e?.core ? { core: e.core } : String(e?.message ?? e);
    const fatal = e instanceof WebAssembly.RuntimeError;
    if (fatal) {
      try {
        const panic = lastPanic();
        if (panic) message = { key: 'worker.panic', params: { panic } };
      } catch {
        // The instance is too broken to say more.
      }
    }
    if (current) current.failed = true;
    if (current || msg.type !== 'data') self.postMessage({ type: 'error', run: current?.run, message, fatal });
  }
};
