// The networks the page holds and which one is on the pad: the pretrained one, "my networks" (trained here and
// kept in IndexedDB, see store.js; among them the networks taught digit by digit, see teach.js), the one learning
// right now, and an uploaded one. Each is an entry
// {key, model, label, record?}; `record` is the kept network's record (its bytes, settings, epochs, test accuracy).
// Emits 'change' when the list or a label changes and 'active' when the network on the pad changes (or is
// replaced by a newer copy of itself).

import { Model } from './pkg/page.js';
import { listNetworks, keepNetwork, deleteNetwork } from './store.js';
import { msg, percent, text } from './i18n.js';
import { coreMessage, failure } from './core-errors.js';

/** The order of the picker: the pretrained networks (the page's and the wide one), my networks (oldest first), the learning one, the uploaded one,
 * the taught one. */
const RANK = { default: 0, wide: 0.5, saved: 1, live: 2, uploaded: 3, taught: 4 };
const rank = (key) => RANK[key.split('-')[0]];

/** How a kept network is named in the picker: a message descriptor (i18n.js). */
export function savedLabel(record) {
  const s = record.settings;
  if (record.taught) {
    // A network taught digit by digit (teach.js): what it was copied from (a label), and how many steps.
    const { steps, from } = record.taught;
    const taught = { count: steps, from, accuracy: record.testAccuracy == null ? '' : percent(record.testAccuracy, 2) };
    return msg(record.testAccuracy == null ? 'models.taught' : 'models.taught.accuracy', taught);
  }
  const params = {
    hidden: s.hidden,
    activation: s.activation,
    count: record.epochs,
    accuracy: record.testAccuracy == null ? '' : percent(record.testAccuracy, 2),
    date: { date: record.date },
  };
  const key = record.testAccuracy == null
    ? (record.complete ? 'models.saved' : 'models.saved.stopped')
    : (record.complete ? 'models.saved.accuracy' : 'models.saved.accuracy.stopped');
  return msg(key, params);
}

export class Models extends EventTarget {
  constructor() {
    super();
    /** @type {Map<string, {key: string, model: Model, label: string, record?: object}>} */
    this.entries = new Map();
    this.activeKey = null;
    /** Keys of kept networks that could not be stored, numbered here. */
    this.unsaved = 0;
  }

  /** The entry on the pad. */
  get active() {
    return this.entries.get(this.activeKey);
  }

  /** The entries in the picker's order. */
  list() {
    return [...this.entries.values()].sort((a, b) => rank(a.key) - rank(b.key) || (a.record?.date ?? 0) - (b.record?.date ?? 0));
  }

  /** Puts a network under `key` (freeing the one it replaces); `use` puts it on the pad. */
  set(key, model, label, { use = false, record } = {}) {
    const old = this.entries.get(key);
    this.entries.set(key, { key, model, label, record });
    if (old && old.model !== model) old.model.free();
    this.emit('change');
    if (use || key === this.activeKey) this.use(key);
  }

  setLabel(key, label) {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.label = label;
    this.emit('change');
  }

  /** Takes a network off the list and frees it; the pad goes to `fallback` (or the pretrained one) if it held it. */
  remove(key, fallback = 'default') {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.emit('change');
    if (this.activeKey === key) this.use(this.entries.has(fallback) ? fallback : 'default');
    old.model.free();
  }

  /** Puts the network under `key` on the pad. */
  use(key) {
    if (!this.entries.has(key)) return;
    this.activeKey = key;
    this.emit('active');
  }

  /** Reads the networks kept by earlier visits into the list; resolves with how many there are. */
  async restore() {
    let records;
    try {
      records = await listNetworks();
    } catch {
      return 0; // No storage (private mode, blocked): nothing to restore.
    }
    const unreadable = [];
    for (const record of records) {
      try {
        this.set(`saved-${record.id}`, Model.fromBytes(record.bytes, text(msg('models.keptName'))), savedLabel(record), { record });
      } catch (e) {
        unreadable.push(coreMessage(e));
      }
    }
    if (unreadable.length) throw failure(msg('models.unreadable', { count: unreadable.length, errors: unreadable[0] }));
    return records.length;
  }

  /**
   * Keeps a network in "my networks": a record without `id` joins the list, one with `id` replaces its own entry.
   * The entry is in the list even when storage fails (then only for this visit, and the error is thrown after).
   * Resolves with the entry's key; the record gets its `id`.
   */
  async keep(record, model) {
    let error = null;
    if (record.id == null || typeof record.id === 'number') {
      try {
        record.id = await keepNetwork(record);
      } catch (e) {
        error = e;
        record.id ??= `unsaved${++this.unsaved}`;
      }
    }
    const key = `saved-${record.id}`;
    this.set(key, model, savedLabel(record), { record });
    if (error) throw error;
    return key;
  }

  /** Deletes a kept network, from storage and from the list. */
  async delete(key) {
    const entry = this.entries.get(key);
    if (!entry?.record) return;
    if (typeof entry.record.id === 'number') await deleteNetwork(entry.record.id);
    this.remove(key);
  }

  emit(type) {
    this.dispatchEvent(new Event(type));
  }
}
