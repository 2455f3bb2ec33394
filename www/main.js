// The page's entry: loads the WebAssembly core and the pretrained model, connects
// the pad to the network (at most one prediction per animation frame), and keeps
// the networks the pad can use: pretrained, trained here, uploaded.

import init, { Model, preprocess } from './pkg/handwritten.js';
import { Pad } from './pad.js';
import { showPreview, showProbabilities } from './view.js';
import { showWeights, showActivations } from './inside.js';
import { TrainPanel } from './train-panel.js';
import { loadTrained } from './store.js';
import { Teacher } from './teach.js';
import { Mistakes } from './mistakes.js';
import { presetTutorial } from './tutorial-preset.js';
import { startLanguage, onLanguageChange, msg, percent, setText, text } from './i18n.js';
import { errorMessage, failure } from './core-errors.js';

// The page's text in the reader's language, before anything else.
startLanguage();

const $ = (id) => document.getElementById(id);
const select = /** @type {HTMLSelectElement} */ ($('model-select'));
const messageBox = $('message');

/** The networks the pad can use, by slot: default, trained, uploaded, taught; their labels are descriptors (i18n.js). */
const models = new Map();
const labels = new Map();
let active = 'default';

/** Shows a message to the person (a descriptor, see i18n.js; error by default), or hides it for ''. */
export function showMessage(message, kind = 'error') {
  messageBox.hidden = !message;
  setText(messageBox, typeof message === 'string' && message ? msg('core.untranslated', { text: message }) : message);
  messageBox.classList.toggle('ok', kind === 'ok');
}

/** Puts a network in a slot (replacing and freeing the old one) and refreshes the picker. */
export function setModel(slot, model, label, { use = false } = {}) {
  const old = models.get(slot);
  models.set(slot, model);
  labels.set(slot, label);
  if (old && old !== model) old.free();
  refreshSelect();
  if (use || slot === active) useModel(slot);
}

/** Takes a network off the picker and frees it; the pad goes to `fallback` if it was using it. */
export function removeModel(slot, fallback = 'default') {
  const old = models.get(slot);
  models.delete(slot);
  labels.delete(slot);
  if (active === slot) active = models.has(fallback) ? fallback : 'default';
  refreshSelect();
  useModel(active);
  old?.free();
}

/** A copy of a slot's model file bytes, or null. */
export function modelBytes(slot) {
  return models.get(slot)?.toBytes() ?? null;
}

/** A slot's label, or null. */
export function modelLabel(slot) {
  return labels.get(slot) ?? null;
}

/** Updates a slot's label only. */
export function setModelLabel(slot, label) {
  labels.set(slot, label);
  refreshSelect();
}

function refreshSelect() {
  const order = ['default', 'trained', 'uploaded', 'taught'];
  const options = order.filter((s) => models.has(s)).map((s) => new Option(text(labels.get(s)), s, false, s === active));
  select.replaceChildren(...options);
  select.value = active;
}

let weightsShown = null;
export function useModel(slot) {
  const model = models.get(slot);
  if (!model) return;
  active = slot;
  select.value = slot;
  setText($('lede'), msg('page.lede', { hidden: model.hidden }));
  setText($('model-info'), msg('model.info', { hidden: model.hidden, activation: model.activation }));
  $('download').disabled = false;
  // Weight images are redrawn at most twice a second while a network learns.
  const now = performance.now();
  if (weightsShown === null || weightsShown.slot !== slot || now - weightsShown.at > 500) {
    showWeights(model);
    weightsShown = { slot, at: now };
  }
  schedulePredict();
}

/** The network on the pad. */
export function activeModel() {
  return models.get(active);
}

// Prediction, at most once per animation frame.
let frame = 0;
function schedulePredict() {
  if (!frame) frame = requestAnimationFrame(predictNow);
}

let insideVisible = false;
new IntersectionObserver(([entry]) => {
  insideVisible = entry.isIntersecting;
  schedulePredict();
}).observe($('units'));

/** Timing of the last preprocessing + prediction, for the benchmark script. */
export const timing = { last: 0, count: 0, readyMs: 0 };

function predictNow() {
  frame = 0;
  const model = activeModel();
  $('undo').disabled = $('clear').disabled = pad.isEmpty;
  $('pad-hint').classList.toggle('gone', !pad.isEmpty);
  try {
    const t0 = performance.now();
    let pixels;
    if (!pad.isEmpty) {
      const ink = pad.pixels();
      pixels = preprocess(ink.data, ink.width, ink.height);
    }
    const p = pixels && model ? model.predict(pixels) : null;
    // a1 only when the hidden units are on screen: it is a second forward pass.
    const a1 = pixels && model && insideVisible ? model.hiddenActivations(pixels) : null;
    timing.last = performance.now() - t0;
    timing.count++;
    showPreview(pixels ?? null);
    showProbabilities(p);
    // Screen readers hear the verdict when a stroke ends, not on every frame of it.
    if (!pad.current) {
      const k = p ? p.indexOf(Math.max(...p)) : -1;
      setText($('announce'), k < 0 ? msg('announce.empty') : msg('announce.read', { digit: k, p: percent(p[k], 0) }));
    }
    showActivations(a1);
    teacher?.frame(pixels ?? null);
  } catch (e) {
    showMessage(msg('pad.readFailed', { error: errorMessage(e) }));
  }
}

const pad = new Pad(/** @type {HTMLCanvasElement} */ ($('pad')), {
  onChange: () => {
    teacher?.padChanged();
    schedulePredict();
  },
  onMessage: (message) => {
    setText($('pad-message'), message);
    clearTimeout(pad.messageTimer);
    pad.messageTimer = setTimeout(() => setText($('pad-message'), ''), 3000);
  },
});

$('clear').addEventListener('click', () => pad.clear());
$('undo').addEventListener('click', () => pad.undo());
document.addEventListener('keydown', (e) => {
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
  if ((e.ctrlKey || e.metaKey) && e.key === 'z' && !typing) {
    e.preventDefault();
    pad.undo();
  } else if (e.key === 'Escape' && !typing) {
    pad.clear();
  }
});
select.addEventListener('change', () => useModel(select.value));

$('download').addEventListener('click', () => {
  const model = activeModel();
  if (!model) return;
  const blob = new Blob([model.toBytes()], { type: 'application/octet-stream' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `handwritten-784-${model.hidden}-10-${model.activation}.bin`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
});

$('upload').addEventListener('change', async (e) => {
  const input = /** @type {HTMLInputElement} */ (e.target);
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const model = Model.fromBytes(bytes, file.name);
    setModel('uploaded', model, msg('model.uploaded', { name: file.name }), { use: true });
    const shape = { name: file.name, hidden: model.hidden, activation: model.activation };
    showMessage(msg('model.uploadLoaded', shape), 'ok');
  } catch (err) {
    showMessage(msg('model.uploadFailed', { name: file.name, error: errorMessage(err) }));
  }
});

// The pretrained model's bytes are fetched while the WebAssembly module compiles.
const defaultBytes = fetch(new URL('models/default.bin', import.meta.url)).then(async (response) => {
  if (!response.ok) {
    throw failure(msg('model.fetchFailed', { status: String(response.status), statusText: response.statusText }));
  }
  return new Uint8Array(await response.arrayBuffer());
});

async function loadDefault() {
  return Model.fromBytes(await defaultBytes, 'models/default.bin');
}

async function restoreTrained() {
  let record;
  try {
    record = await loadTrained();
  } catch {
    return; // No storage (private mode, blocked): nothing to restore.
  }
  if (!record) return;
  try {
    const model = Model.fromBytes(record.bytes, text(msg('model.savedName')));
    const label = record.testAccuracy == null
      ? msg('model.trained.savedNoAccuracy')
      : msg('model.trained.saved', { accuracy: percent(record.testAccuracy, 1) });
    setModel('trained', model, label);
    panel.restored(record);
  } catch (e) {
    showMessage(msg('model.restoreFailed', { error: errorMessage(e) }));
  }
}

let panel;
/** @type {Teacher|undefined} follows the pad's digit and teaches it */
let teacher;
async function main() {
  await init();
  panel = new TrainPanel({
    setModel, setModelLabel, removeModel, modelBytes, modelLabel, useModel, showMessage, activeSlot: () => active,
  });
  const page = { activeModel, setModel, removeModel, modelBytes, modelLabel, useModel, showMessage, activeSlot: () => active };
  teacher = new Teacher(page);
  new Mistakes(page, teacher);
  $('tutorial-preset').addEventListener('click', presetTutorial);
  const model = await loadDefault();
  setModel('default', model, msg('model.default', { hidden: model.hidden }), { use: true });
  timing.readyMs = performance.now();
  document.body.dataset.ready = 'true';
  await restoreTrained();
  await teacher.restore();
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('./sw.js').catch(() => {
      // No service worker (served from the repository, or not allowed): the page still works online.
    });
  }
}

main().catch((e) => {
  showMessage(msg('page.startFailed', { error: errorMessage(e) }));
  document.body.dataset.ready = 'error';
});

// A change of language: the strings in the DOM are re-rendered by i18n.js; the picker's labels and what the pad's
// reading writes (percentages, the verdict) are redone here. The drawing, the networks and a training run stay.
onLanguageChange(() => {
  refreshSelect();
  schedulePredict();
});

// For the end-to-end tests and benchmarks: the pad and the timing of the last prediction.
window.handwritten = { pad, timing, predictNow, activeModel };
