// Teach it: the ten "That's a N" buttons, η, "don't forget the rest", Undo. Also decides
// what #follow shows: which image (the pad's drawing or a test digit), which label (the
// network's guess until the reader chooses) and which network (the pad's).
//
// The pretrained (or trained, or uploaded) network never changes: the first step copies it
// into the slot 'taught' ("Taught" on the pad's list, kept across reloads) and teaches that.
// The step runs in the lab worker (lab-client.js), where the MNIST images are: its replay
// images come from the 60,000 training images there, and it answers with the new network
// and its accuracy on the 10,000 test images.

import { Model } from './pkg/handwritten.js';
import { showDerivation } from './follow.js';
import { request, onLoading } from './lab-client.js';
import { saveTaught, loadTaught, deleteTaught } from './store.js';
import { fixed, msg, percent, setText, text } from './i18n.js';
import { errorMessage } from './core-errors.js';

/** The words this module shows, as message descriptors of the page's string tables (www/i18n/*.json). */
const TEXT = {
  drawFirst: () => msg('teach.drawFirst'),
  fetching: (loaded, total) => msg('teach.fetching', { loaded: fixed(loaded / 1e6, 1), total: fixed(total / 1e6, 1) }),
  stepping: (y) => msg('teach.stepping', { digit: y }),
  slotLabel: (base, steps) => msg('teach.label', { base, count: steps }),
  restoredLabel: (steps) => msg('teach.label.saved', { count: steps }),
  percent: (p) => percent(p, 1),
  accuracy: (a) => percent(a, 2),
  step: (n, y, before, after, reads, accuracy, start) =>
    msg(start ? 'teach.step.withStart' : 'teach.step', { n, digit: y, before, after, reads, accuracy, start }),
  undone: (steps, accuracy) => msg(accuracy ? 'teach.undone.withAccuracy' : 'teach.undone', { count: steps, accuracy }),
  undoneAll: (label) => msg('teach.undoneAll', { label }),
  failed: (e) => msg('teach.failed', { error: errorMessage(e) }),
  cannotFollow: (e) => msg('teach.cannotFollow', { error: errorMessage(e) }),
  notSaved: (e) => msg('teach.notSaved', { error: errorMessage(e) }),
  restoreFailed: (e) => msg('teach.restoreFailed', { error: errorMessage(e) }),
};

const $ = (id) => document.getElementById(id);

export class Teacher {
  /**
   * @param {{activeModel: Function, activeSlot: Function, setModel: Function, removeModel: Function,
   *   modelBytes: Function, modelLabel: Function, showMessage: Function}} page
   */
  constructor(page) {
    this.page = page;
    this.status = $('teach-status');
    this.rateInput = /** @type {HTMLInputElement} */ ($('teach-rate'));
    this.replayInput = /** @type {HTMLInputElement} */ ($('teach-replay'));
    this.undoButton = /** @type {HTMLButtonElement} */ ($('teach-undo'));
    this.buttons = [...document.querySelectorAll('button[data-teach]')];
    /** Where the followed image comes from: {kind: 'pad'} or {kind: 'test', index, label, guess}. */
    this.source = { kind: 'pad' };
    /** The followed image, 784 values in [0, 1], or null. */
    this.pixels = null;
    /** The label the reader chose, or null for the network's guess. */
    this.label = null;
    /** The taught network before each step: {bytes, accuracy}, for Undo. */
    this.history = [];
    /** What the copy was made from: {slot, label, accuracy}. */
    this.base = null;
    this.steps = 0;
    this.accuracy = null;
    this.busy = false;
    for (const button of this.buttons) button.addEventListener('click', () => this.teach(Number(button.dataset.teach)));
    this.undoButton.addEventListener('click', () => this.undo());
    this.rateInput.addEventListener('input', () => this.render());
    onLoading((msg) => {
      if (msg.type === 'loading' && this.busy) this.say('busy', TEXT.fetching(msg.loaded, msg.total));
    });
  }

  /** Sets the state and the status line (a message descriptor, or '' for none). */
  say(state, message) {
    this.status.dataset.state = state;
    setText(this.status, message);
    this.status.dataset.steps = String(this.steps);
    for (const button of this.buttons) button.disabled = state === 'busy';
    this.undoButton.disabled = state === 'busy' || this.history.length === 0;
  }

  /** The pad's drawing changed: follow it (again) from the next frame on. */
  padChanged() {
    if (this.source.kind === 'test') {
      this.source = { kind: 'pad' };
      this.label = null;
    }
  }

  /** A frame of the pad's loop: follows the pad's pixels unless a test digit is followed. */
  frame(pixels) {
    if (this.source.kind === 'pad') {
      if (!pixels) this.label = null;
      this.pixels = pixels ?? null;
    }
    this.render();
  }

  /** Follows test digit `index` (784 values in [0, 1]) with its true label, ready to teach. */
  followTest({ index, label, guess, pixels }) {
    this.source = { kind: 'test', index, label, guess };
    this.pixels = pixels;
    this.label = label;
    this.render();
    $('follow').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  /** η from its field (the core checks its range). */
  rate() {
    return Number(this.rateInput.value);
  }

  /** Recomputes and redraws #follow for the current image, label, network and η. */
  render() {
    const model = this.page.activeModel();
    if (!model || !this.pixels) {
      showDerivation(null);
      return;
    }
    try {
      const d = model.follow(this.pixels, this.label ?? undefined, this.rate());
      showDerivation(d, this.source, this.label !== null);
      if (this.status.dataset.state === 'error-rate') this.say('idle', '');
    } catch (e) {
      showDerivation(null);
      this.say('error-rate', TEXT.cannotFollow(e));
    }
  }

  /** One step teaching the followed image as digit y. */
  async teach(y) {
    if (this.busy) return;
    const pixels = this.pixels;
    if (!pixels) {
      this.say('idle', TEXT.drawFirst());
      return;
    }
    const slot = this.page.activeSlot();
    const model = this.page.activeModel();
    if (!model) return;
    const fresh = slot !== 'taught';
    if (fresh) {
      this.base = { slot, label: this.page.modelLabel(slot), accuracy: null };
      this.history = [];
      this.steps = 0;
    }
    const bytes = model.toBytes();
    const before = model.predict(pixels)[y];
    this.busy = true;
    this.label = y;
    this.say('busy', TEXT.stepping(y));
    try {
      const reply = await request('teach', {
        bytes: bytes.slice(),
        pixels,
        label: y,
        rate: this.rate(),
        replay: this.replayInput.checked,
        seed: Math.floor(Math.random() * 2 ** 32),
        evaluateBefore: fresh,
      });
      if (fresh) this.base.accuracy = reply.accuracyBefore;
      this.history.push({ bytes, accuracy: fresh ? reply.accuracyBefore : this.accuracy });
      this.steps += 1;
      this.accuracy = reply.accuracy;
      const taught = Model.fromBytes(reply.bytes, text(msg('teach.name.taught')));
      const after = taught.predict(pixels);
      const reads = after.indexOf(Math.max(...after));
      this.page.setModel('taught', taught, TEXT.slotLabel(this.base?.label ?? '', this.steps), { use: true });
      this.busy = false;
      this.status.dataset.accuracy = String(reply.accuracy);
      if (this.base?.accuracy != null) this.status.dataset.accuracyBefore = String(this.base.accuracy);
      this.status.dataset.reads = String(reads);
      const start = this.base?.accuracy != null ? TEXT.accuracy(this.base.accuracy) : '';
      this.say('ready', TEXT.step(this.steps, y, TEXT.percent(before), TEXT.percent(after[y]), reads, TEXT.accuracy(reply.accuracy), start));
      this.save(reply.bytes);
    } catch (e) {
      this.busy = false;
      this.say('error', TEXT.failed(e));
    }
  }

  /** Takes back the last step; after the first, the pad goes back to the network it was copied from. */
  undo() {
    const last = this.history.pop();
    if (!last || this.busy) return;
    this.steps -= 1;
    this.accuracy = last.accuracy;
    if (this.history.length === 0 && this.base) {
      const label = this.base.label;
      this.page.removeModel('taught', this.base.slot);
      deleteTaught().catch(() => {});
      this.say('ready', TEXT.undoneAll(label));
      return;
    }
    this.page.setModel('taught', Model.fromBytes(last.bytes, text(msg('teach.name.taught'))), TEXT.slotLabel(this.base?.label ?? '', this.steps), { use: true });
    if (last.accuracy != null) this.status.dataset.accuracy = String(last.accuracy);
    this.say('ready', TEXT.undone(this.steps, last.accuracy != null ? TEXT.accuracy(last.accuracy) : ''));
    this.save(last.bytes);
  }

  save(bytes) {
    saveTaught({
      bytes: bytes.slice(),
      label: this.base?.label ?? '',
      steps: this.steps,
      accuracy: this.accuracy,
      accuracyBefore: this.base?.accuracy ?? null,
      date: Date.now(),
    }).catch((e) => this.page.showMessage(TEXT.notSaved(e)));
  }

  /** Puts the network taught on an earlier visit back on the pad's list. */
  async restore() {
    let record;
    try {
      record = await loadTaught();
    } catch {
      return; // No storage: nothing to restore.
    }
    if (!record) return;
    try {
      const model = Model.fromBytes(record.bytes, text(msg('teach.name.saved')));
      this.steps = record.steps;
      this.accuracy = record.accuracy;
      this.base = { slot: 'default', label: record.label, accuracy: record.accuracyBefore };
      this.page.setModel('taught', model, TEXT.restoredLabel(record.steps));
    } catch (e) {
      this.page.showMessage(TEXT.restoreFailed(e));
    }
  }
}
