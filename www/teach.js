// Teach it: the ten "That's a N" buttons, η, "don't forget the rest", Undo. Also decides
// what #follow shows: which image (the pad's drawing or a test digit), which label (the
// network's guess until the reader chooses) and which network (the pad's).
//
// The pretrained (or trained, or uploaded) network never changes: the first step copies it into a new entry of
// "my networks" (models.js; "Taught: …" on the pad's list, kept across reloads with its record's `taught` field)
// and teaches that; later steps, and Undo, replace that entry's network.
// The step runs in the lab worker (lab-client.js), where the MNIST images are: its replay
// images come from the 60,000 training images there, and it answers with the new network
// and its accuracy on the 10,000 test images.

import { Model } from './pkg/page.js';
import { showDerivation } from './follow.js';
import { nudge } from './nudge.js';
import { drawWhenSeen } from './when-seen.js';
import { request, onLoading } from './lab-client.js';
import { fixed, msg, percent, setText, text } from './i18n.js';
import { errorMessage, failure } from './core-errors.js';

/** The words this module shows, as message descriptors of the page's string tables (www/i18n/*.json). */
const TEXT = {
  drawFirst: () => msg('teach.drawFirst'),
  fetching: (loaded, total) => msg('teach.fetching', { loaded: fixed(loaded / 1e6, 1), total: fixed(total / 1e6, 1) }),
  stepping: (y) => msg('teach.stepping', { digit: y }),
  percent: (p) => percent(p, 1),
  accuracy: (a) => percent(a, 2),
  step: (n, y, before, after, reads, accuracy, start) =>
    msg(start ? 'teach.step.withStart' : 'teach.step', { n, digit: y, before, after, reads, accuracy, start }),
  undone: (steps, accuracy) => msg(accuracy ? 'teach.undone.withAccuracy' : 'teach.undone', { count: steps, accuracy }),
  undoneAll: (label) => msg('teach.undoneAll', { label }),
  failed: (e) => msg('teach.failed', { error: errorMessage(e) }),
  cannotFollow: (e) => msg('teach.cannotFollow', { error: errorMessage(e) }),
  notSaved: (e) => msg('teach.notSaved', { error: errorMessage(e) }),
  /** What a copy is called after: the network's label, the pretrained one without its shape in brackets. */
  copyOf: (label) => (label?.key === 'model.default' ? msg('model.default.name') : label),
};

const $ = (id) => document.getElementById(id);

/** Hidden units above which the derivation is not redrawn on every frame of the pad (see Teacher.renderSoon). */
const WIDE = 256;

/** Each network's w2 (h × 10), read out of it once: the check by nudging asks for it at every frame of a stroke. */
const w2s = new WeakMap();
const w2Of = (model) => w2s.get(model) ?? w2s.set(model, model.weights2()).get(model);

export class Teacher {
  /** @param {{models: import('./models.js').Models, showMessage: Function}} page */
  constructor({ models, showMessage }) {
    this.models = models;
    this.showMessage = showMessage;
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
    /** When the derivation was last drawn and how long that took (ms), and a later drawing waiting, if any. */
    this.drawn = { at: -Infinity, cost: 0, later: 0 };
    /**
     * Asks for the derivation for the pad's frame: drawn (renderSoon) while #follow is on the screen; off it, when it
     * comes into view or is printed, not when the page is idle. (Drawn on every frame for a wide network, it made the
     * pad lag where the derivation was not even seen: one stroke took 13.3 s to play, 2.6 s with it left waiting.)
     */
    this.requestDraw = drawWhenSeen($('follow'), () => this.renderSoon(), { near: '0px', idle: false });
    /** The taught entry's key in the models, and its record (with `taught: {steps, from, accuracyBefore}`). */
    this.key = null;
    this.record = null;
    /** The network before each step of this visit: {bytes, record, fresh, from}, for Undo (fresh: the step made the copy). */
    this.history = [];
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
    this.status.dataset.steps = String(this.record?.taught.steps ?? 0);
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
    this.requestDraw();
  }

  /**
   * Redraws the derivation: every frame for a network of up to WIDE hidden units (the tutorial's takes about a
   * millisecond); for a wider one, whose gradient is a megabyte or more (784 × h numbers) and takes tens of
   * milliseconds, at most a fifth of the time, once a little later with whatever the pad holds then, so that the
   * pad does not lag.
   */
  renderSoon() {
    if (this.drawn.later) return;
    const wide = (this.models.active?.model.hidden ?? 0) > WIDE;
    const wait = 4 * this.drawn.cost - (performance.now() - this.drawn.at);
    if (!wide || wait <= 0) {
      this.render();
      return;
    }
    this.drawn.later = setTimeout(() => {
      this.drawn.later = 0;
      this.render();
    }, wait);
  }

  /** Follows test digit `index` (784 values in [0, 1]) with its true label, ready to teach. */
  followTest({ index, label, guess, pixels }) {
    this.source = { kind: 'test', index, label, guess };
    this.pixels = pixels;
    this.label = label;
    this.render();
    $('follow').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  /** η from its field (the core checks its range); an empty field is no number, not 0. */
  rate() {
    const value = this.rateInput.value.trim();
    if (value === '') throw failure(msg('train.enterNumber', { name: msg('train.learningRate') }));
    return Number(value);
  }

  /** Recomputes and redraws #follow for the current image, label, network and η. */
  render() {
    const model = this.models.active?.model;
    if (!model || !this.pixels) {
      showDerivation(null);
      return;
    }
    const start = performance.now();
    try {
      const d = model.follow(this.pixels, this.label ?? undefined, this.rate());
      showDerivation(d, this.source, this.label !== null, (tensor, index) => nudge(d, tensor, index, model.activation, w2Of(model)));
      if (this.status.dataset.state === 'error-rate') this.say('idle', '');
    } catch (e) {
      showDerivation(null);
      this.say('error-rate', TEXT.cannotFollow(e));
    }
    this.drawn.at = performance.now();
    this.drawn.cost = this.drawn.at - start;
  }

  /** One step teaching the followed image as digit y. */
  async teach(y) {
    if (this.busy) return;
    const pixels = this.pixels;
    if (!pixels) {
      this.say('idle', TEXT.drawFirst());
      return;
    }
    const entry = this.models.active;
    if (!entry) return;
    const { key, model } = entry;
    // A taught network (of this visit or an earlier one) is taught further; any other is copied first.
    const fresh = !entry.record?.taught;
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
      const taught = Model.fromBytes(reply.bytes, text(msg('teach.name.taught')));
      // Undo takes back the steps of one taught network: a new copy, or another taught network, starts afresh.
      if (fresh || key !== this.key) this.history = [];
      this.history.push({ bytes, record: entry.record, fresh, from: key });
      const previous = fresh ? null : entry.record.taught;
      this.record = {
        ...(fresh ? {} : { id: entry.record.id }),
        bytes: reply.bytes,
        settings: { hidden: model.hidden, activation: model.activation },
        epochs: entry.record?.epochs ?? null,
        testAccuracy: reply.accuracy,
        complete: true,
        date: Date.now(),
        taught: {
          steps: (previous?.steps ?? 0) + 1,
          from: previous?.from ?? TEXT.copyOf(entry.label),
          accuracyBefore: previous ? previous.accuracyBefore : reply.accuracyBefore,
        },
      };
      await this.keep(taught);
      const after = taught.predict(pixels);
      const reads = after.indexOf(Math.max(...after));
      this.busy = false;
      const { steps, accuracyBefore } = this.record.taught;
      this.status.dataset.accuracy = String(reply.accuracy);
      if (accuracyBefore != null) this.status.dataset.accuracyBefore = String(accuracyBefore);
      this.status.dataset.reads = String(reads);
      const start = accuracyBefore != null ? TEXT.accuracy(accuracyBefore) : '';
      this.say('ready', TEXT.step(steps, y, TEXT.percent(before), TEXT.percent(after[y]), reads, TEXT.accuracy(reply.accuracy), start));
    } catch (e) {
      this.busy = false;
      this.say('error', TEXT.failed(e));
    }
  }

  /** Puts this.record with `model` in "my networks" (a new entry, or its own entry replaced) and on the pad. */
  async keep(model) {
    try {
      this.key = await this.models.keep(this.record, model);
    } catch (e) {
      this.key = `saved-${this.record.id}`;
      this.showMessage(TEXT.notSaved(e));
    }
    this.models.use(this.key);
  }

  /** Takes back the last step; after the step that made the copy, the copy goes and the pad gets its original back. */
  async undo() {
    if (this.busy) return;
    if (!this.models.entries.has(this.key)) {
      // The taught network was deleted from the list: there is nothing left to take a step back on.
      this.history = [];
      this.say('idle', '');
      return;
    }
    const last = this.history.pop();
    if (!last) return;
    this.busy = true;
    try {
      if (last.fresh) {
        const key = this.key;
        this.key = null;
        this.record = null;
        await this.models.delete(key);
        this.models.use(last.from);
        this.busy = false;
        this.say('ready', TEXT.undoneAll(this.models.active?.label ?? ''));
        return;
      }
      this.record = { ...last.record, id: this.record.id };
      await this.keep(Model.fromBytes(last.bytes, text(msg('teach.name.taught'))));
      this.busy = false;
      const accuracy = this.record.testAccuracy;
      if (accuracy != null) this.status.dataset.accuracy = String(accuracy);
      this.say('ready', TEXT.undone(this.record.taught.steps, accuracy != null ? TEXT.accuracy(accuracy) : ''));
    } catch (e) {
      this.busy = false;
      this.say('error', TEXT.failed(e));
    }
  }
}
