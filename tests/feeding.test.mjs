// www/feeding.js, the training worker's side of the feeder, in Node with a stand-in for the feeder worker and for
// the Training it feeds: which messages it sends, which chunks it hands the run, and how a run ends when the feeder
// fails. (The e2e tests, tests/e2e/augment.test.mjs, run it with the real feeder in the browsers.)
import { test } from 'node:test';
import assert from 'node:assert/strict';

/** The feeder worker: records what it is sent; `answer` plays a message from it. */
class Feeder {
  static made = [];
  static refuse = false;
  constructor(url, options) {
    if (Feeder.refuse) throw new Error('no workers in workers here');
    Object.assign(this, { url: String(url), options, sent: [], terminated: false });
    Feeder.made.push(this);
  }
  postMessage(msg, transfer = []) {
    this.sent.push({ msg, transfer });
  }
  terminate() {
    this.terminated = true;
  }
  answer(msg) {
    this.onmessage({ data: msg });
  }
  /** The 'more' requests of run `run`: the batches asked for each. */
  asked(run) {
    return this.sent.filter(({ msg }) => msg.type === 'more' && msg.run === run).map(({ msg }) => msg.batches);
  }
}
globalThis.Worker = Feeder;
const { feed } = await import('../www/feeding.js');

/** A Training as feeding.js uses it; a chunk is stood in for by {batches}. */
function training({ augment = 'affine', batch_size = 32, epochs = 1, batchesPerEpoch = 200 } = {}) {
  return {
    chunks: [],
    queued: 0,
    batchesPerEpoch,
    settings: () => ({ augment, batch_size, epochs, hidden: 16, activation: 'sigmoid', init: 'scaled', seed: 3 }),
    feed(chunk) {
      this.chunks.push(chunk);
      this.queued += chunk.batches;
    },
    stepQueued(max) {
      assert.ok(max >= 1 && max <= this.queued, `stepQueued(${max}) with ${this.queued} queued`);
      this.queued -= max;
      return { batches: max };
    },
  };
}
const data = { trainImages: () => new Uint8Array(2 * 784), trainLabels: () => new Uint8Array(2) };
const noFeeder = new Error('no feeder');
const runOf = (feeder) => feeder.sent.findLast(({ msg }) => msg.type === 'start').msg.run;

test('a run without augmentation is not fed, and starts no feeder', () => {
  assert.equal(feed(training({ augment: 'off' }), data, noFeeder), null);
  assert.equal(Feeder.made.length, 0);
});

test('the first fed run starts the feeder, hands it the training set, and asks for four chunks ahead', () => {
  const run = training();
  const feeding = feed(run, data, noFeeder);
  assert.equal(Feeder.made.length, 1);
  const [feeder] = Feeder.made;
  assert.match(feeder.url, /\/www\/feeder\.js$/);
  assert.deepEqual(feeder.options, { type: 'module' });
  const [first, second] = feeder.sent;
  assert.equal(first.msg.type, 'data');
  assert.equal(first.msg.images.length, 2 * 784);
  assert.deepEqual(first.transfer, [first.msg.images.buffer, first.msg.labels.buffer]);
  assert.equal(second.msg.type, 'start');
  assert.deepEqual(second.msg.settings, run.settings());
  // 2,048 images a chunk: 64 batches of 32.
  assert.deepEqual(feeder.asked(runOf(feeder)), [64, 64, 64, 8]);
  feeding.close();
});

test('the chunks of a run go to it alone; no more batches are asked for than the run has', async () => {
  const [feeder] = Feeder.made;
  const before = runOf(feeder);
  const run = training({ batch_size: 100, epochs: 3, batchesPerEpoch: 7 }); // 21 batches, 20 a chunk
  const feeding = feed(run, data, noFeeder);
  assert.equal(Feeder.made.length, 1, 'the feeder is kept across runs');
  assert.equal(feeder.sent.filter(({ msg }) => msg.type === 'data').length, 1, 'the training set is handed over once');
  const now = runOf(feeder);
  assert.notEqual(now, before);
  assert.deepEqual(feeder.asked(now), [20, 1]);
  // A chunk of the run before, late: dropped.
  feeder.answer({ type: 'chunk', run: before, bytes: { batches: 20 } });
  assert.deepEqual(run.chunks, []);
  let ready = false;
  const waiting = feeding.ready().then(() => (ready = true));
  await Promise.resolve();
  assert.equal(ready, false, 'ready before any batch came');
  feeder.answer({ type: 'chunk', run: now, bytes: { batches: 20 } });
  await waiting;
  assert.deepEqual(run.chunks, [{ batches: 20 }]);
  assert.deepEqual(feeding.step(1000), { batches: 20 });
  feeder.answer({ type: 'chunk', run: now, bytes: { batches: 1 } });
  assert.deepEqual(feeder.asked(now), [20, 1], 'nothing more to ask for');
  feeding.close();
  // Closed: what comes after is dropped.
  feeder.answer({ type: 'chunk', run: now, bytes: { batches: 1 } });
  assert.equal(run.chunks.length, 2);
});

test('the feeder\'s error ends the run with its message; a fatal one gets the next run a new feeder', async () => {
  const [feeder] = Feeder.made;
  const feeding = feed(training(), data, noFeeder);
  const message = { key: 'worker.panic', params: { panic: 'index out of bounds' } };
  feeder.answer({ type: 'error', run: runOf(feeder), message, fatal: true });
  await assert.rejects(feeding.ready(), (e) => e.descriptor === message);
  assert.ok(feeder.terminated);
  feeding.close();
  feed(training(), data, noFeeder).close();
  assert.equal(Feeder.made.length, 2);
  assert.equal(Feeder.made[1].sent[0].msg.type, 'data', 'the new feeder gets the training set');
});

test('a feeder that does not load ends the run, and the next run starts another', async () => {
  const feeder = Feeder.made.at(-1);
  const feeding = feed(training(), data, noFeeder);
  let prevented = false;
  feeder.onerror({ preventDefault: () => (prevented = true) });
  assert.ok(prevented && feeder.terminated);
  await assert.rejects(feeding.ready(), (e) => e.descriptor?.key === 'worker.feederFailed');
  feeding.close();
  feed(training(), data, noFeeder).close();
  assert.equal(Feeder.made.length, 3);
});

test('where a worker cannot start a worker, a run with augmentation is refused with the reason given', () => {
  Feeder.made.at(-1).onerror({ preventDefault() {} }); // the kept feeder gone
  Feeder.refuse = true;
  assert.throws(() => feed(training(), data, noFeeder), (e) => e === noFeeder);
  assert.equal(feed(training({ augment: 'off' }), data, noFeeder), null);
});
