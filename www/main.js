// The page's entry: loads the WebAssembly core and the pretrained model, connects the pad to the network on it
// (one forward pass per animation frame at most), and the training panel to the worker and to the list of
// networks: www/models.js holds the networks, www/train-client.js runs the worker, www/train-view.js shows a run.

import init, { Model, preprocess, defaultSettings, maxModelBytes } from './pkg/page.js';
import { Pad } from './pad.js';
import { prepareFormats, showPreview, showProbabilities } from './view.js';
import { showWeights, showActivations } from './inside.js';
import { Models } from './models.js';
import { keepNetwork, listNetworks } from './store.js';
import { TrainClient } from './train-client.js';
import { TrainView } from './train-view.js';
import { Teacher } from './teach.js';
import { shownValues } from './follow.js';
import { Mistakes } from './mistakes.js';
import { presetTutorial } from './tutorial-preset.js';
import { startLanguage, onLanguageChange, msg, setText, text } from './i18n.js';
import { errorMessage, failure, workerMessage } from './core-errors.js';
import { whenIdle } from './when-seen.js';

// The page's text in the reader's language, before anything else.
startLanguage();
// Until the page is ready, and while a stroke is drawn, the sections below the pad are laid out only if they come near
// the screen (style.css); main.js is evaluated before the page is first laid out (index.html: blocking="render").
document.documentElement.classList.add('starting');
const lift = () => document.documentElement.classList.remove('starting');
/** Lays out the whole page once it is idle, the start done: from then on it is whole but while a stroke is drawn. */
const wholePage = () => whenIdle(lift);
// A page printed while it starts is printed whole (the squares and the charts draw for it too: when-seen.js).
addEventListener('beforeprint', lift, { once: true });

const $ = (id) => document.getElementById(id);
const select = /** @type {HTMLSelectElement} */ ($('model-select'));
const messageBox = $('message');

/** Shows a message to the person (a descriptor, see i18n.js; error by default), or hides it for ''. */
export function showMessage(message, kind = 'error') {
  messageBox.hidden = !message;
  setText(messageBox, typeof message === 'string' && message ? msg('core.untranslated', { text: message }) : message);
  messageBox.classList.toggle('ok', kind === 'ok');
}

/** The networks; their labels are message descriptors (i18n.js), written in the page's language by the picker. */
const models = new Models();

/**
 * The second pretrained network, `make wide`'s (2.5 MB): in the picker from the start, right after the first, but
 * fetched only when it is chosen, so that opening the page does not wait for it. `hidden` names it until then.
 */
const WIDE = { key: 'wide', file: 'models/wide.bin', hidden: 800 };
const wideLabel = (hidden) => msg('model.wide', { hidden });

function refreshSelect() {
  const options = models.list().map((e) => new Option(text(e.label), e.key, false, e.key === models.activeKey));
  if (!models.entries.has(WIDE.key) && models.entries.has('default')) {
    const after = options.findIndex((o) => o.value === 'default') + 1;
    options.splice(after, 0, new Option(text(wideLabel(WIDE.hidden)), WIDE.key));
  }
  select.replaceChildren(...options);
  select.value = models.activeKey ?? '';
}

let wideFetch = null;
/** Fetches the wide network and puts it on the pad; if it cannot, says why and the pad keeps its network. */
function useWide() {
  wideFetch ??= (async () => {
    showMessage(msg('model.wide.loading'), 'ok');
    try {
      const model = Model.fromBytes(await modelBytes(WIDE.file), WIDE.file);
      showMessage('');
      // On the pad unless another network was chosen while it was fetched.
      models.set(WIDE.key, model, wideLabel(model.hidden), { use: select.value === WIDE.key });
    } catch (e) {
      showMessage(msg('model.wide.failed', { error: errorMessage(e) }));
      refreshSelect();
    } finally {
      wideFetch = null;
    }
  })();
}
models.addEventListener('change', refreshSelect);
models.addEventListener('active', showActive);

let weightsShown = null;
/** Shows the network now on the pad: its shape, its weights, its reading of the drawing. */
function showActive() {
  const { key, model, record } = models.active;
  select.value = key;
  setText($('lede'), msg('page.lede', { hidden: model.hidden }));
  setText($('model-info'), msg('model.info', { hidden: model.hidden, activation: model.activation }));
  $('download').disabled = false;
  $('delete').disabled = !record;
  // Weight images are redrawn at most twice a second while a network learns.
  const now = performance.now();
  const redraw = weightsShown === null || weightsShown.key !== key || now - weightsShown.at > 500;
  showWeights(model, redraw);
  if (redraw) weightsShown = { key, at: now };
  schedulePredict();
}

/** The network on the pad. */
export function activeModel() {
  return models.active?.model;
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
    // One forward pass: a2, and a1 for the hidden units.
    const read = pixels && model ? model.read(pixels) : null;
    const p = read?.probabilities ?? null;
    timing.last = performance.now() - t0;
    timing.count++;
    showPreview(pixels ?? null);
    showProbabilities(p);
    // Screen readers hear the verdict when a stroke ends, not on every frame of it.
    if (!pad.current) {
      const k = p ? p.indexOf(Math.max(...p)) : -1;
      setText($('announce'), k < 0 ? msg('announce.empty') : msg('announce.read', { digit: k, p: { n: p[k], style: 'percent' } }));
    }
    showActivations(insideVisible ? (read?.hidden ?? null) : null);
    teacher?.frame(pixels ?? null);
  } catch (e) {
    showMessage(msg('pad.readFailed', { error: errorMessage(e) }));
  }
}

/** Hides the pad's note a few seconds after it is shown. */
let padMessageTimer = 0;
/** @type {Teacher|undefined} follows the pad's digit through the derivation and teaches it */
let teacher;
const pad = new Pad(/** @type {HTMLCanvasElement} */ ($('pad')), {
  onChange: () => {
    teacher?.padChanged();
    schedulePredict();
    document.documentElement.classList.toggle('drawing', pad.drawing);
  },
  onMessage: (message) => {
    setText($('pad-message'), message);
    clearTimeout(padMessageTimer);
    padMessageTimer = setTimeout(() => setText($('pad-message'), ''), 3000);
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
select.addEventListener('change', () => {
  if (select.value === WIDE.key && !models.entries.has(WIDE.key)) useWide();
  else models.use(select.value);
});

$('download').addEventListener('click', () => {
  const { model, record } = models.active;
  const bytes = record?.bytes ?? model.toBytes();
  const blob = new Blob([bytes], { type: 'application/octet-stream' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  const epochs = record?.epochs ? `-${record.epochs}-epochs` : '';
  a.download = `handwritten-784-${model.hidden}-10-${model.activation}${epochs}.bin`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
});

$('delete').addEventListener('click', async () => {
  const { key, label } = models.active;
  try {
    await models.delete(key);
    showMessage(msg('model.deleted', { label }), 'ok');
  } catch (e) {
    showMessage(msg('model.deleteFailed', { error: errorMessage(e) }));
  }
});

$('upload').addEventListener('change', async (e) => {
  const input = /** @type {HTMLInputElement} */ (e.target);
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  const refused = (why) => showMessage(msg('model.uploadFailed', { name: file.name, error: why }));
  // A model file is at most this long: anything longer is refused before it is read.
  const limit = maxModelBytes();
  if (file.size > limit) {
    refused(msg('model.tooLarge', { size: file.size, limit }));
    return;
  }
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const model = Model.fromBytes(bytes, file.name);
    models.set('uploaded', model, msg('model.uploaded', { name: file.name }), { use: true });
    const shape = { name: file.name, hidden: model.hidden, activation: model.activation };
    showMessage(msg('model.uploadLoaded', shape), 'ok');
  } catch (err) {
    refused(errorMessage(err));
  }
});

// ---- training: the worker's events shown in the panel, its networks on the pad and in "my networks" ----------

const client = new TrainClient();
/** The run going, if any: {settings, started, before, date, shownLive, id, key, saving}. */
let run = null;
let view;

function startTraining() {
  if (run || client.running) {
    showMessage(msg('train.busy'));
    return;
  }
  let settings;
  try {
    settings = view.settings();
  } catch (e) {
    const refused = msg('train.notStarted', { error: e?.key ? e : errorMessage(e) });
    // Said beside the Train button the person pressed, as well as in the page's message.
    view.show(view.state, refused);
    showMessage(refused);
    return;
  }
  showMessage('');
  // Where the pad goes back to if the run keeps nothing; the kept network's id and key; the saves in order.
  run = { settings, started: false, before: models.activeKey, date: Date.now(), seconds: 0, shownLive: false, id: undefined, key: null, saving: Promise.resolve(), testAccuracy: null };
  view.starting(settings);
  client.start(settings);
}

/** A network the worker sent, read into the core; a network that cannot be read ends the run (and the worker's). */
function readSent(bytes, what) {
  try {
    return Model.fromBytes(bytes, text(what));
  } catch (e) {
    client.abort(msg('train.sentUnreadable', { error: errorMessage(e) }));
    return null;
  }
}

const on = (type, handle) => client.addEventListener(type, (e) => run && handle(/** @type {CustomEvent} */ (e).detail));
on('loading', (data) => view.loading(data));
on('started', (data) => {
  run.started = true;
  run.settings = data.settings;
  view.started(data);
});
on('progress', (data) => view.progress(data));
/** Puts the network learning under 'live' (the first of a run goes on the pad, so one can watch it learn); false if
 * it could not be read, which has ended the run. */
function showLive(bytes, epoch, what) {
  const model = readSent(bytes, what);
  if (!model) return false;
  models.set('live', model, msg('models.live', { epoch, epochs: run.settings.epochs }), { use: !run.shownLive });
  run.shownLive = true;
  return true;
}

on('model', (data) => showLive(data.bytes, data.epoch, msg('train.name.training')));
on('epoch', (data) => {
  view.epochDone(data);
  // The run's time is its epochs', as the table gives them: without the download, the tests and the pauses.
  run.seconds += data.seconds;
  // Each epoch's network goes under 'live' too: where epochs are shorter than the worker's interval between
  // networks (a small network on a fast machine), these are the only ones the pad sees move.
  if (!showLive(data.bytes, data.epoch, msg('train.name.afterEpoch', { epoch: data.epoch }))) return;
  const model = readSent(data.bytes, msg('train.name.afterEpoch', { epoch: data.epoch }));
  if (!model) return;
  const r = run;
  r.testAccuracy = data.testAccuracy;
  const record = {
    bytes: data.bytes,
    settings: r.settings,
    epochs: data.epoch,
    testAccuracy: data.testAccuracy,
    complete: data.epoch === r.settings.epochs,
    date: r.date,
  };
  // The run's entry in "my networks" is created by its first epoch and replaced by each later one, in order.
  r.saving = r.saving.then(async () => {
    if (r.id !== undefined) record.id = r.id;
    try {
      r.key = await models.keep(record, model);
    } catch (e) {
      r.key = `saved-${record.id}`;
      showMessage(msg('train.notKept', { epoch: data.epoch, error: errorMessage(e) }));
    }
    r.id = record.id;
  });
});
on('paused', () => view.paused());
on('resumed', () => view.resumed());
on('done', (data) => {
  const r = run;
  r.saving.then(() => {
    run = null;
    // The network learning is dropped: the run's kept network (its last finished epoch) takes its place.
    models.remove('live', r.key ?? r.before);
    view.done({ reason: data.reason, epochs: data.epochs, seconds: r.seconds, testAccuracy: r.testAccuracy });
  });
});
on('error', (data) => {
  const r = run;
  r.saving.then(() => {
    run = null;
    models.remove('live', r.key ?? r.before);
    showMessage(msg('train.failed', { error: view.failed(data.message, r.started) }));
  });
});
client.addEventListener('busy', (e) => showMessage(workerMessage(/** @type {CustomEvent} */ (e).detail.message)));


/** The bytes of a model file of the site (`file` relative to this module), or an error that says why not. */
async function modelBytes(file) {
  const response = await fetch(new URL(file, import.meta.url));
  if (!response.ok) {
    throw failure(msg('model.fetchFailed', { status: String(response.status), statusText: response.statusText }));
  }
  return new Uint8Array(await response.arrayBuffer());
}

// The pretrained model's bytes are fetched while the WebAssembly module compiles.
const defaultBytes = modelBytes('models/default.bin');

async function main() {
  await init();
  view = new TrainView(defaultSettings(), {
    train: startTraining,
    pause: () => client.pause(),
    resume: () => client.resume(),
    stop: () => client.stop(),
  });
  teacher = new Teacher({ models, showMessage });
  new Mistakes(models, teacher);
  $('tutorial-preset').addEventListener('click', presetTutorial);
  const model = Model.fromBytes(await defaultBytes, 'models/default.bin');
  models.set('default', model, msg('model.default', { hidden: model.hidden }), { use: true });
  timing.readyMs = performance.now();
  document.body.dataset.ready = 'true';
  // The formats of the bars' percentages, made while the page waits for a stroke.
  whenIdle(prepareFormats);
  wholePage();
  try {
    view.kept(await models.restore());
  } catch (e) {
    showMessage(msg('models.restoreFailed', { error: errorMessage(e) }));
  }
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('./sw.js').catch(() => {
      // No service worker (served from the repository, or not allowed): the page still works online.
    });
  }
}

main().catch((e) => {
  showMessage(msg('page.startFailed', { error: errorMessage(e) }));
  document.body.dataset.ready = 'error';
  wholePage();
});

// A change of language: the strings in the DOM are re-rendered by i18n.js; the picker's labels and what the pad's
// reading writes (percentages, the verdict) are redone here. The drawing, the networks and a training run stay.
onLanguageChange(() => {
  refreshSelect();
  schedulePredict();
});

// For the end-to-end tests and benchmarks: the pad, the timing of the last prediction, the derivation's numbers on
// show, and "My networks"' storage (store.js and follow.js are bundled into this module in the built site, so a test
// cannot import them on its own).
window.handwritten = { pad, timing, predictNow, activeModel, followed: shownValues, store: { keepNetwork, listNetworks } };
