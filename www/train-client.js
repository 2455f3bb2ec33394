// The training worker's life, seen from the page: it starts the worker (www/worker.js) when first needed, sends
// it start, pause, resume and stop, and turns its messages into events of the same type (the message is the
// event's `detail`; see worker.js for the protocol). A run ends with 'done' or 'error'; `running` says whether
// one is going. When the worker's WebAssembly instance is broken (a panic), or the page ends a run itself
// (`abort`), the worker is terminated and the next run starts a fresh one.

import { msg } from './i18n.js';
import { failure } from './core-errors.js';

export class TrainClient extends EventTarget {
  constructor() {
    super();
    /** @type {Worker|null} */
    this.worker = null;
    this.running = false;
  }

  /** Starts a run with settings checked by the core; throws if one is going. */
  start(settings) {
    if (this.running) throw failure(msg('train.busy'));
    if (!this.worker) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      worker.addEventListener('message', (e) => this.receive(e.data));
      worker.addEventListener('error', (e) => {
        e.preventDefault();
        this.end(msg('train.workerFailed', { error: e.message || msg('train.workerNoStart') }));
      });
      this.worker = worker;
    }
    this.running = true;
    this.worker.postMessage({ type: 'start', settings });
  }

  pause() {
    this.send('pause');
  }

  resume() {
    this.send('resume');
  }

  stop() {
    this.send('stop');
  }

  send(type) {
    if (this.running) this.worker?.postMessage({ type });
  }

  /** Ends the run from the page's side (the page could not use what the worker sent): the worker stops too. */
  abort(message) {
    if (this.running) this.end(message);
  }

  /** Terminates the worker and ends the run with an 'error' event. */
  end(message) {
    this.worker?.terminate();
    this.worker = null;
    const wasRunning = this.running;
    this.running = false;
    if (wasRunning) this.dispatchEvent(new CustomEvent('error', { detail: { type: 'error', message } }));
  }

  receive(msg) {
    if (msg.type === 'error' && msg.busy) {
      // A start while a run was going: that run goes on.
      this.dispatchEvent(new CustomEvent('busy', { detail: msg }));
      return;
    }
    if (msg.type === 'done' || msg.type === 'error') {
      this.running = false;
      if (msg.fatal) {
        // The WebAssembly instance is unusable after a panic: the next run gets a fresh worker.
        this.worker?.terminate();
        this.worker = null;
      }
    }
    this.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
  }
}
