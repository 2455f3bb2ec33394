// "My networks": the networks trained on this page, kept across visits in IndexedDB until the person deletes
// them. One record per training run, updated as its epochs finish:
//   {id, bytes, settings, epochs, testAccuracy, complete, date}
// where testAccuracy is that of exactly these bytes on the 10,000 test images. Every failure is reported to the
// caller; the page works without storage.

import { msg } from './i18n.js';
import { failure } from './core-errors.js';

const DB = 'handwritten';
/** Version 2 keeps a list of networks; version 1 kept one record, 'trained', in the store 'models'. */
const VERSION = 2;
const NETWORKS = 'networks';
const OLD_STORE = 'models';
/** The taught network (teach.js), one record under the key 'taught'. */
const TAUGHT = 'taught';

function open() {
  return new Promise((resolve, reject) => {
    if (!('indexedDB' in self)) return reject(failure(msg('store.noIndexedDB')));
    const req = indexedDB.open(DB, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      const networks = db.createObjectStore(NETWORKS, { keyPath: 'id', autoIncrement: true });
      db.createObjectStore(TAUGHT);
      // The one network an earlier version kept joins the list.
      if (db.objectStoreNames.contains(OLD_STORE)) {
        const old = req.transaction.objectStore(OLD_STORE).get('trained');
        old.onsuccess = () => {
          if (old.result?.bytes) networks.add({ ...old.result, complete: old.result.complete ?? true });
          db.deleteObjectStore(OLD_STORE);
        };
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(failure(msg('store.blocked')));
  });
}

async function run(mode, body, store = NETWORKS) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const req = body(tx.objectStore(store));
      tx.oncomplete = () => resolve(req?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || failure(msg('store.aborted')));
    });
  } finally {
    db.close();
  }
}

/** Every kept network, oldest first. */
export async function listNetworks() {
  const records = await run('readonly', (s) => s.getAll());
  return records.sort((a, b) => a.date - b.date);
}

/**
 * Keeps a network: a record without `id` is added and gets one; a record with `id` replaces that record (a run's
 * later epoch). Resolves with the id.
 * @param {{id?: number, bytes: Uint8Array, settings: object, epochs: number, testAccuracy: number,
 *   complete: boolean, date: number}} record
 */
export function keepNetwork(record) {
  return run('readwrite', (s) => s.put(record));
}

/** Deletes a kept network. */
export function deleteNetwork(id) {
  return run('readwrite', (s) => s.delete(id));
}
