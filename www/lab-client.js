// The page's requests to a worker of its own (worker.js) for what needs the MNIST images:
// a teaching step with its 31 replay images, the test accuracy after it, the mistakes.
// Each request carries an id and is answered with the same id, so answers never depend on
// the order messages arrive in. The worker fetches MNIST once, on the first request.

import { msg as say } from './i18n.js';
import { failure, workerMessage } from './core-errors.js';

let worker = null;
let nextId = 1;
/** id → {resolve, reject} */
const pending = new Map();
const loadingListeners = new Set();

function start() {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data: msg }) => {
    if (msg.id === undefined) {
      // 'loading' and 'loaded': the MNIST download, for a progress line.
      for (const listener of loadingListeners) listener(msg);
      return;
    }
    const waiter = pending.get(msg.id);
    pending.delete(msg.id);
    if (!waiter) return;
    // The worker's own messages are descriptors (i18n.js); the core's are worded here (core-errors.js).
    if (msg.type === 'error') waiter.reject(failure(workerMessage(msg.message)));
    else waiter.resolve(msg);
    if (msg.fatal) stop(failure(say('lab.stopped')));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    stop(failure(say('lab.workerFailed', { error: e.message || say('train.workerNoStart') })));
  };
}

/** Ends the worker, failing what waits for it with `error`; the next request starts a fresh one. */
function stop(error) {
  for (const waiter of pending.values()) waiter.reject(error);
  pending.clear();
  worker?.terminate();
  worker = null;
}

/**
 * Sends `{type, id, ...payload}` to the worker and resolves with its answer (rejects with
 * its error). `transfer` lists buffers handed over rather than copied.
 */
export function request(type, payload, transfer = []) {
  if (!worker) start();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ type, id, ...payload }, transfer);
  });
}

/** Calls `listener(msg)` with the worker's MNIST download messages ('loading', 'loaded'). */
export function onLoading(listener) {
  loadingListeners.add(listener);
}
