// "My networks": the networks trained on this page, kept across visits in IndexedDB until the person deletes
// them. One record per training run, updated as its epochs finish:
//   {id, bytes, settings, epochs, testAccuracy, complete, date}
// where testAccuracy is that of exactly these bytes on the 10,000 test images. Every failure is reported to the
// caller; the page works without storage.

import { msg } from './i18n.js';
import { failure } from './core-errors.js';

// One database per copy of the site, named by the path of the site's root (this file is in <root>/www/), as sw.js
// names its caches: IndexedDB belongs to the whole origin, and copies under two paths of one origin
// (https://user.github.io/a/ and .../b/) must neither share nor erase each other's networks.
const DB = `handwritten:${new URL('../', import.meta.url).pathname}`;
const VERSION = 1;
const NETWORKS = 'networks';
/** Earlier versions kept one network, 'trained' in the store 'models', in one database for the whole origin. */
const LEGACY_DB = 'handwritten';
const LEGACY_STORE = 'models';

/** Resolves with the request's result, or rejects with its error. */
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(failure(msg('store.blocked')));
  });
}

async function open() {
  if (!('indexedDB' in self)) throw failure(msg('store.noIndexedDB'));
  let created = false;
  const req = indexedDB.open(DB, VERSION);
  req.onupgradeneeded = () => {
    created = true;
    req.result.createObjectStore(NETWORKS, { keyPath: 'id', autoIncrement: true });
  };
  const db = await request(req);
  if (created) await adoptLegacy(db).catch(() => {}); // the old network is a bonus: never a reason to fail
  return db;
}

/**
 * The one network an earlier version kept joins this copy's list, the first time the list is made. The old
 * database is left as it was (another copy on the origin may adopt it too); one this call created is removed.
 */
async function adoptLegacy(db) {
  // Where the browser can list its databases, an absent old one is not created by opening it.
  if (indexedDB.databases && !(await indexedDB.databases()).some((d) => d.name === LEGACY_DB)) return;
  const legacy = await request(indexedDB.open(LEGACY_DB));
  const had = legacy.objectStoreNames.contains(LEGACY_STORE);
  try {
    if (!had) return;
    const old = await request(legacy.transaction(LEGACY_STORE).objectStore(LEGACY_STORE).get('trained'));
    if (!old?.bytes) return;
    await new Promise((resolve, reject) => {
      const tx = db.transaction(NETWORKS, 'readwrite');
      tx.objectStore(NETWORKS).add({ ...old, complete: old.complete ?? true, date: old.date ?? Date.now() });
      tx.oncomplete = resolve;
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  } finally {
    legacy.close();
    if (legacy.objectStoreNames.length === 0) indexedDB.deleteDatabase(LEGACY_DB);
  }
}

async function run(mode, body) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(NETWORKS, mode);
      const req = body(tx.objectStore(NETWORKS));
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
