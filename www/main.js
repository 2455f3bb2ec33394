// The page's entry: loads the WebAssembly core and the pretrained model, connects the pad to the network on it
// (one forward pass per animation frame at most), and the training panel to the worker and to the list of
// networks: www/models.js holds the networks, www/train-client.js runs the worker, www/train-view.js shows a run.

import init, { Model, preprocess, defaultSettings, maxModelBytes } from './pkg/handwritten.js';
import { Pad } from './pad.js';
import { showPreview, showProbabilities } from './view.js';
import { showWeights, showActivations } from './inside.js';
import { Models } from './models.js';
import { TrainClient } from './train-client.js';
import { TrainView } from './train-view.js';
import { Teacher } from './teach.js';
import { Mistakes } from './mistakes.js';
import { presetTutorial } from './tutorial-preset.js';

const $ = (id) => document.getElementById(id);
const select = /** @type {HTMLSelectElement} */ ($('model-select'));
const messageBox = $('message');

/** Shows a message to the person (error by default), or hides it for ''. */
export function showMessage(text, kind = 'error') {
  messageBox.hidden = !text;
  messageBox.textContent = text;
  messageBox.classList.toggle('ok', kind === 'ok');
}

function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

const models = new Models();
models.addEventListener('change', () => {
  select.replaceChildren(...models.list().map((e) => new Option(e.label, e.key, false, e.key === models.activeKey)));
  select.value = models.activeKey ?? '';
});
models.addEventListener('active', showActive);

let weightsShown = null;
/** Shows the network now on the pad: its shape, its weights, its reading of the drawing. */
function showActive() {
  const { key, model, record } = models.active;
  select.value = key;
  $('model-hidden').textContent = String(model.hidden);
  $('model-info').textContent = `784 → ${model.hidden} → 10, ${model.activation}`;
  $('download').disabled = false;
  $('delete').disabled = !record;
  // Weight images are redrawn at most twice a second while a network learns.
  const now = performance.now();
  if (weightsShown === null || weightsShown.key !== key || now - weightsShown.at > 500) {
    showWeights(model);
    weightsShown = { key, at: now };
  }
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
      $('announce').textContent = k < 0 ? 'The pad is empty.' : `Read as ${k}, ${Math.round(p[k] * 100)} percent sure.`;
    }
    showActivations(insideVisible ? (read?.hidden ?? null) : null);
    teacher?.frame(pixels ?? null);
  } catch (e) {
    showMessage(`Could not read the drawing: ${errorText(e)}`);
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
  },
  onMessage: (text) => {
    $('pad-message').textContent = text;
    clearTimeout(padMessageTimer);
    padMessageTimer = setTimeout(() => ($('pad-message').textContent = ''), 3000);
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
select.addEventListener('change', () => models.use(select.value));

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
    showMessage(`Deleted “${label}”.`, 'ok');
  } catch (e) {
    showMessage(`The network could not be deleted: ${errorText(e)}`);
  }
});

$('upload').addEventListener('change', async (e) => {
  const input = /** @type {HTMLInputElement} */ (e.target);
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  const refused = (why) => showMessage(`${file.name} was not loaded, the pad keeps its network. ${why}`);
  // A model file is at most this long: anything longer is refused before it is read.
  const limit = maxModelBytes();
  if (file.size > limit) {
    refused(`It is ${file.size.toLocaleString('en')} bytes; a model file is at most ${limit.toLocaleString('en')} bytes.`);
    return;
  }
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const model = Model.fromBytes(bytes, file.name);
    models.set('uploaded', model, `Uploaded: ${file.name}`, { use: true });
    showMessage(`Loaded ${file.name}: 784 → ${model.hidden} → 10, ${model.activation}. It is now on the pad.`, 'ok');
  } catch (err) {
    refused(errorText(err));
  }
});

// ---- training: the worker's events shown in the panel, its networks on the pad and in "my networks" ----------

const client = new TrainClient();
/** The run going, if any: {settings, started, before, date, shownLive, id, key, saving}. */
let run = null;
let view;

function startTraining() {
  if (run || client.running) {
    showMessage('A training run is already going: pause or stop it first.');
    return;
  }
  let settings;
  try {
    settings = view.settings();
  } catch (e) {
    showMessage(`Training not started. ${errorText(e)}`);
    return;
  }
  showMessage('');
  // Where the pad goes back to if the run keeps nothing; the kept network's id and key; the saves in order.
  run = { settings, started: false, before: models.activeKey, date: Date.now(), t0: performance.now(), shownLive: false, id: undefined, key: null, saving: Promise.resolve(), testAccuracy: null };
  view.starting(settings);
  client.start(settings);
}

/** A network the worker sent, read into the core; a network that cannot be read ends the run (and the worker's). */
function readSent(bytes, what) {
  try {
    return Model.fromBytes(bytes, what);
  } catch (e) {
    client.abort(`the network sent by the training worker could not be read: ${errorText(e)}`);
    return null;
  }
}

const on = (type, handle) => client.addEventListener(type, (e) => run && handle(/** @type {CustomEvent} */ (e).detail));
on('loading', (msg) => view.loading(msg));
on('started', (msg) => {
  run.started = true;
  run.settings = msg.settings;
  view.started(msg);
});
on('progress', (msg) => view.progress(msg));
on('model', (msg) => {
  const model = readSent(msg.bytes, 'the network being trained');
  if (!model) return;
  // The first network of a run goes on the pad, so one can watch it learn.
  models.set('live', model, `Learning now: epoch ${msg.epoch} of ${run.settings.epochs}`, { use: !run.shownLive });
  run.shownLive = true;
});
on('epoch', (msg) => {
  view.epochDone(msg);
  const model = readSent(msg.bytes, `the network after epoch ${msg.epoch}`);
  if (!model) return;
  const r = run;
  r.testAccuracy = msg.testAccuracy;
  const record = {
    bytes: msg.bytes,
    settings: r.settings,
    epochs: msg.epoch,
    testAccuracy: msg.testAccuracy,
    complete: msg.epoch === r.settings.epochs,
    date: r.date,
  };
  // The run's entry in "my networks" is created by its first epoch and replaced by each later one, in order.
  r.saving = r.saving.then(async () => {
    if (r.id !== undefined) record.id = r.id;
    try {
      r.key = await models.keep(record, model);
    } catch (e) {
      r.key = `saved-${record.id}`;
      showMessage(`The network after epoch ${msg.epoch} could not be kept for your next visit: ${errorText(e)}`);
    }
    r.id = record.id;
  });
});
on('paused', () => view.paused());
on('resumed', () => view.resumed());
on('done', (msg) => {
  const r = run;
  r.saving.then(() => {
    run = null;
    // The network learning is dropped: the run's kept network (its last finished epoch) takes its place.
    models.remove('live', r.key ?? r.before);
    view.done({ reason: msg.reason, epochs: msg.epochs, seconds: (performance.now() - r.t0) / 1000, testAccuracy: r.testAccuracy });
  });
});
on('error', (msg) => {
  const r = run;
  r.saving.then(() => {
    run = null;
    models.remove('live', r.key ?? r.before);
    showMessage(`${view.failed(msg.message, r.started)} The pad keeps working with its network.`);
  });
});
client.addEventListener('busy', (e) => showMessage(/** @type {CustomEvent} */ (e).detail.message));

// The pretrained model's bytes are fetched while the WebAssembly module compiles.
const defaultBytes = fetch(new URL('models/default.bin', import.meta.url)).then(async (response) => {
  if (!response.ok) throw new Error(`the pretrained model could not be fetched (${response.status} ${response.statusText})`);
  return new Uint8Array(await response.arrayBuffer());
});

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
  models.set('default', model, `Pretrained (784 → ${model.hidden} → 10)`, { use: true });
  timing.readyMs = performance.now();
  document.body.dataset.ready = 'true';
  try {
    view.kept(await models.restore());
  } catch (e) {
    showMessage(`Some networks kept by an earlier visit could not be read and were left out: ${errorText(e)}`);
  }
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('./sw.js').catch(() => {
      // No service worker (served from the repository, or not allowed): the page still works online.
    });
  }
}

main().catch((e) => {
  showMessage(`The page could not start: ${errorText(e)}`);
  document.body.dataset.ready = 'error';
});

// For the end-to-end tests and benchmarks: the pad and the timing of the last prediction.
window.handwritten = { pad, timing, predictNow, activeModel };
