// Keeps the last trained network across page reloads, in IndexedDB.
// Every failure is reported to the caller; the page works without storage.

import { msg } from './i18n.js';
import { failure } from './core-errors.js';

const DB = 'handwritten';
const STORE = 'models';
const KEY = 'trained';

function open() {
  return new Promise((resolve, reject) => {
    if (!('indexedDB' in self)) return reject(failure(msg('store.noIndexedDB')));
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(failure(msg('store.blocked')));
  });
}

async function run(mode, body) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = body(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || failure(msg('store.aborted')));
    });
  } finally {
    db.close();
  }
}

/**
 * Saves the trained network.
 * @param {{bytes: Uint8Array, settings: object, testAccuracy: number|null, epochs: number, complete: boolean, date: number}} record
 */
export function saveTrained(record) {
  return run('readwrite', (s) => s.put(record, KEY));
}

/** The saved network record, or undefined. */
export function loadTrained() {
  return run('readonly', (s) => s.get(KEY));
}

/**
 * Saves the taught network ("Taught" on the pad's list).
 * @param {{bytes: Uint8Array, label: string, steps: number, accuracy: number|null, accuracyBefore: number|null, date: number}} record
 */
export function saveTaught(record) {
  return run('readwrite', (s) => s.put(record, 'taught'));
}

/** The saved taught network record, or undefined. */
export function loadTaught() {
  return run('readonly', (s) => s.get('taught'));
}

/** Forgets the taught network. */
export function deleteTaught() {
  return run('readwrite', (s) => s.delete('taught'));
}
