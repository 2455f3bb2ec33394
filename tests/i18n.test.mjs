// The page's string tables (www/i18n/*.json) against the page's sources: every key the HTML or the JS uses is in
// every table, every key of a table is used, the languages agree on each string's parameters, the strings with
// markup hold only harmless inline tags, the core's messages (keys and parameters) are rendered as the command line
// prints them, and the integers the page writes without Intl are written as Intl writes them. Plain Node (node --test
// tests/i18n.test.mjs): no browser, no build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TABLES, LANGUAGES, COMMA_GROUPED, formatNumber, languageFor, t, useLanguage, msg } from '../www/i18n.js';
import { coreMessage, rustNumber } from '../www/core-errors.js';
import { manifestFor } from '../scripts/manifests.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file) => readFileSync(path.join(ROOT, file), 'utf8');

const HTML_FILES = ['index.html', 'www/source.html'];
const JS_FILES = readdirSync(path.join(ROOT, 'www'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => `www/${f}`);

/** The page's JavaScript, by file: the modules of www/ and the inline scripts of the HTML files. */
const JS_SOURCES = [
  ...JS_FILES.map((file) => [file, read(file)]),
  ...HTML_FILES.map((file) => [file, [...read(file).matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n')]),
];

/** Keys the HTML names in data-i18n, data-i18n-html and data-i18n-attr, with where. */
function htmlKeys() {
  const keys = [];
  for (const file of HTML_FILES) {
    const html = read(file);
    for (const [, attr, value] of html.matchAll(/data-i18n(-html|-attr)?="([^"]*)"/g)) {
      if (attr === '-attr') {
        for (const pair of value.split(',')) keys.push([pair.split(':')[1]?.trim(), file]);
      } else {
        keys.push([value, file]);
      }
    }
  }
  return keys;
}

/** Keys the JS passes to msg() or t() as a literal, with where. */
function jsCalledKeys() {
  const keys = [];
  for (const [file, source] of JS_SOURCES) {
    for (const [, key] of source.matchAll(/(?<![.\w])(?:msg|t|say)\(\s*'([^']+)'/g)) keys.push([key, file]);
  }
  return keys;
}

/** Every quoted string in the JS sources (a key may be named in a table of keys, as core-errors.js does). */
function jsLiterals() {
  const literals = new Set();
  for (const [, source] of JS_SOURCES) {
    for (const [, , s] of source.matchAll(/(['"`])([A-Za-z][\w.-]*)\1/g)) literals.add(s);
  }
  return literals;
}

/** The keys of the core's messages (src/*.rs: `message!("core.…"`, and the key of an untranslated message). */
function rustKeys() {
  const keys = new Set();
  for (const name of readdirSync(path.join(ROOT, 'src')).filter((f) => f.endsWith('.rs'))) {
    const source = readFileSync(path.join(ROOT, 'src', name), 'utf8');
    for (const [, key] of source.matchAll(/(?:message!\(\s*|key: )"(core\.[\w.]+)"/g)) keys.add(key);
  }
  return keys;
}

/** A string, or the forms of a plural string joined. */
const whole = (value) => (typeof value === 'string' ? value : Object.values(value).join(' '));

/** The parameter names of a string (or of all forms of a plural string). */
function placeholders(value) {
  const forms = typeof value === 'string' ? [value] : Object.values(value);
  return [...new Set(forms.flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
}

test('every language has the same keys', () => {
  const [first, ...others] = LANGUAGES;
  for (const lang of others) {
    const missing = Object.keys(TABLES[first]).filter((k) => !(k in TABLES[lang]));
    const extra = Object.keys(TABLES[lang]).filter((k) => !(k in TABLES[first]));
    assert.deepEqual(missing, [], `keys of ${first} missing in ${lang}`);
    assert.deepEqual(extra, [], `keys of ${lang} missing in ${first}`);
  }
});

test('every key the HTML and the JS use is in every table', () => {
  const problems = [];
  for (const [key, file] of [...htmlKeys(), ...jsCalledKeys()]) {
    for (const lang of LANGUAGES) if (!(key in TABLES[lang])) problems.push(`${file} uses ${key}, missing in ${lang}`);
  }
  assert.deepEqual(problems, []);
});

test('every string of the JS that looks like a key of the tables is one (keys chosen by a condition, in tables)', () => {
  const prefixes = new Set(Object.keys(TABLES.en).map((k) => k.split('.')[0]));
  const unknown = [...jsLiterals()].filter(
    (s) => /^[a-z]+(\.[a-zA-Z0-9]+)+$/.test(s) && prefixes.has(s.split('.')[0]) && !(s in TABLES.en),
  );
  assert.deepEqual(unknown, []);
});

test('every key of the tables is used by the HTML, the JS or the core', () => {
  const used = new Set([...htmlKeys().map(([k]) => k), ...jsLiterals(), ...rustKeys()]);
  const unused = LANGUAGES.flatMap((lang) => Object.keys(TABLES[lang]).filter((k) => !used.has(k)).map((k) => `${lang}: ${k}`));
  assert.deepEqual(unused, []);
});

test('every string is translated, with the same parameters in every language', () => {
  for (const key of Object.keys(TABLES.en)) {
    const want = placeholders(TABLES.en[key]);
    for (const lang of LANGUAGES) {
      const value = TABLES[lang][key];
      assert.ok(typeof value === 'string' ? value.length > 0 : typeof value.other === 'string', `${lang}: ${key} is empty`);
      assert.deepEqual(placeholders(value), want, `${lang}: ${key} has other parameters than en`);
    }
  }
});

test('the Chinese table is Chinese: every sentence has Chinese in it', () => {
  // Strings that are only names, numbers or templates of other strings may stay as they are.
  const same = Object.keys(TABLES.en).filter((k) => TABLES['zh-CN'][k] === TABLES.en[k]);
  for (const key of same) {
    const words = whole(TABLES.en[key]).replace(/\{\w+\}/g, '').match(/[A-Za-z]{2,}/g) ?? [];
    assert.ok(words.length <= 1, `zh-CN: ${key} is the English "${TABLES.en[key]}"`);
  }
  for (const [key, value] of Object.entries(TABLES['zh-CN'])) {
    const words = whole(value).replace(/<[^>]*>|\{\w+\}/g, '').match(/[A-Za-z]{3,}(?:\s+[A-Za-z]{3,})+/g);
    assert.equal(words, null, `zh-CN: ${key} holds an English phrase: ${words}`);
  }
});

test('strings with markup (keys ending in .html) hold only inline tags, and no other string holds a tag', () => {
  const allowed = /^<\/?(var|sub|sup|code|em|strong|br)>$|^<span class="swatch (pos|neg)"><\/span>$/;
  for (const lang of LANGUAGES) {
    for (const [key, value] of Object.entries(TABLES[lang])) {
      const text = whole(value);
      if (key.endsWith('.html')) {
        for (const tag of text.replace(/<span class="swatch (pos|neg)"><\/span>/g, '').match(/<[^>]*>/g) ?? []) {
          assert.match(tag, allowed, `${lang}: ${key} holds ${tag}`);
        }
      } else {
        assert.doesNotMatch(text, /<[a-z/]/i, `${lang}: ${key} holds markup but is not a .html key`);
      }
    }
  }
  // data-i18n-html sets markup, data-i18n and data-i18n-attr set text: each takes only its own kind of key.
  for (const file of HTML_FILES) {
    for (const [, attr, value] of read(file).matchAll(/data-i18n(-html|-attr)?="([^"]*)"/g)) {
      const keys = attr === '-attr' ? value.split(',').map((p) => p.split(':')[1]) : [value];
      for (const key of keys) assert.equal(key.endsWith('.html'), attr === '-html', `${file}: data-i18n${attr ?? ''}="${value}"`);
    }
  }
});

test('the language of a first visit: any zh* is Chinese, anything else English', () => {
  assert.equal(languageFor(['zh-CN', 'en']), 'zh-CN');
  assert.equal(languageFor(['en-US', 'zh-TW']), 'zh-CN');
  assert.equal(languageFor(['zh']), 'zh-CN');
  assert.equal(languageFor(['en-GB']), 'en');
  assert.equal(languageFor(['fr-FR', 'de']), 'en');
  assert.equal(languageFor(['zu']), 'en');
});

test('t fills parameters, formats numbers for the language and translates nested messages', () => {
  useLanguage('en');
  assert.equal(t('train.intro', { train: 60000, test: 10000, mb: 11 }).slice(0, 80).includes('60,000'), true);
  assert.equal(t('core.setting', { name: msg('core.setting.epochs'), problem: msg('core.atLeastOneEpoch') }), 'epochs: must be at least 1 epoch');
  assert.equal(t('verdict.sure', { p: { n: 0.973, style: 'percent', maximumFractionDigits: 1 } }), '97.3% sure');
  useLanguage('zh-CN');
  assert.equal(t('core.setting', { name: msg('core.setting.epochs'), problem: msg('core.atLeastOneEpoch') }), '训练轮数：至少要 1 轮');
  assert.equal(t('announce.read', { digit: 7, p: { n: 0.96, style: 'percent' } }), '识别为 7，把握 96%。');
  useLanguage('en');
});

/** A message as the core throws it (src/error.rs, src/wasm.rs): an Error with `core`, {key, params}. */
const core = (key, params = {}) => ({ key, params });
const thrown = (message) => Object.assign(new Error(message.key), { core: message });
const real = (x, more = {}) => ({ real: x, single: true, ...more });
const file = (path, byte, problem) => core('core.file', { path, at: core('core.at.byte', { byte }), problem });

/** The core's messages, each with the English the command line prints for it. */
const CORE = [
  [core('core.setting', { name: 'epochs', problem: core('core.range', { value: 0, min: 1, max: 1000 }) }), 'epochs: 0 is outside the allowed range 1 to 1000'],
  [core('core.setting', { name: 'batch size', problem: core('core.range', { value: 5000, min: 1, max: 4096 }) }), 'batch size: 5000 is outside the allowed range 1 to 4096'],
  [core('core.setting', { name: 'learning rate', problem: core('core.rangeAbove0', { value: real(1000), max: 100 }) }), 'learning rate: 1000 is outside the allowed range: above 0, at most 100'],
  [core('core.setting', { name: 'step every', problem: core('core.atLeastOneEpoch') }), 'step every: must be at least 1 epoch'],
  [file('empty.bin', 0, core('core.model.empty')), 'empty.bin: byte 0: the file is empty, not a model file'],
  [file('photo.png', 0, core('core.model.magic')), 'photo.png: byte 0: not a handwritten model file (it does not start with HWNN)'],
  [file('x.bin', 10, core('core.model.header', { header: 24 })), 'x.bin: byte 10: the file ends inside the 24-byte header'],
  [file('x.bin', 4, core('core.model.version', { version: 9, reads: 1 })), 'x.bin: byte 4: format version 9, this program reads version 1'],
  [file('x.bin', 8, core('core.model.shape', { inputs: 100, outputs: 10, want_inputs: 784, want_outputs: 10 })), 'x.bin: byte 8: a 100→10 network, expected 784→10'],
  [file('x.bin', 20, core('core.model.activation', { code: 7 })), 'x.bin: byte 20: unknown activation code 7 (0 = sigmoid, 1 = relu)'],
  [file('truncated.bin', 89008, core('core.model.truncated', { hidden: 28, expected: 89108, actual: 89008 })), 'truncated.bin: byte 89008: truncated: a network with 28 hidden units takes 89108 bytes, the file has 89008'],
  [file('long.bin', 89108, core('core.model.tooLong', { hidden: 28, expected: 89108, actual: 90000 })), 'long.bin: byte 89108: too long: a network with 28 hidden units takes 89108 bytes, the file has 90000'],
  [file('corrupted.bin', 89104, core('core.model.checksum', { stored: { hex: 0xbadf00d }, computed: { hex: 0x12345678 } })), 'corrupted.bin: byte 89104: checksum mismatch (stored 0badf00d, computed 12345678): the file is corrupted'],
  [file('x.bin', 1000, core('core.model.notFinite', { index: 244, value: real(NaN) })), 'x.bin: byte 1000: parameter 244 is NaN, not a finite number'],
  [file('x.bin', 12, core('core.setting', { name: 'hidden units', problem: core('core.range', { value: 0, min: 1, max: 1024 }) })), 'x.bin: byte 12: hidden units: 0 is outside the allowed range 1 to 1024'],
  [file('big.bin', 24, core('core.model.unbounded', { unit: 0, z: { real: 1e31, single: false, exponent: 1 } })), 'big.bin: byte 24: the weights of hidden unit 0 are so large that a drawing could give it z1 = 1.0e31, beyond what the network can compute; this is not a trained network'],
  [file('my: odd: name.bin', 0, core('core.model.empty')), 'my: odd: name.bin: byte 0: the file is empty, not a model file'],
  [file('train-images-idx3-ubyte', 16, core('core.idx.header', { header: 16 })), 'train-images-idx3-ubyte: byte 16: file ends inside the 16-byte IDX header'],
  [file('train-labels-idx1-ubyte', 9, core('core.idx.label', { label: 12 })), 'train-labels-idx1-ubyte: byte 9: label 12 is not a digit 0-9'],
  [core('core.idx.count', { images: 'train-images-idx3-ubyte', image_count: 60000, labels: 'train-labels-idx1-ubyte', label_count: 59999 }), 'train-images-idx3-ubyte holds 60000 images but train-labels-idx1-ubyte holds 59999 labels'],
  [core('core.diverged.batch', { epoch: 2, batch: 17, loss: real(NaN) }), 'training diverged at epoch 2, batch 17: the loss became NaN; try a smaller learning rate'],
  [core('core.diverged.epoch', { epoch: 1, loss: real(3.1, { fixed: 2 }) }), 'training diverged in epoch 1: its mean loss 3.10 is worse than guessing (ln 10 = 2.30); try a smaller learning rate'],
  [core('core.pixelRange', { pixel: 3, value: real(1.5) }), 'pixel 3 of the image is 1.5: pixels are numbers from 0 to 1'],
  [core('core.imageSize', { pixels: 784, given: 783 }), 'an image has 784 pixels, not 783'],
  [file('x', 0, core('core.idx.magicLabels', { found: { hex: 0x1f8b0800 }, magic: { hex: 0x801 } })), 'x: byte 0: magic number 1f8b0800 is not that of IDX labels (00000801)'],
  [core('core.settings', { problem: core('core.settings.choice', { name: 'activation', options: '"sigmoid", "relu"', value: '"tanh"' }) }), 'training settings: activation must be one of "sigmoid", "relu", not "tanh"'],
  [core('core.settings', { problem: core('core.settings.whole', { name: 'seed', max: 9007199254740991, value: '-1' }) }), 'training settings: seed must be a whole number from 0 to 9007199254740991, not -1'],
  [core('core.setting', { name: 'canvas width', problem: core('core.pad.side', { side: 5000, max: 4096 }) }), 'canvas width: 5000 pixels is outside the allowed range 1 to 4096'],
];

test("the core's messages are worded from their keys, and the English table renders them as the command line prints them", () => {
  useLanguage('en');
  for (const [message, text] of CORE) {
    const m = coreMessage(thrown(message));
    assert.equal(t(m.key, m.params).replace(/(\d),(?=\d{3})/g, '$1'), text);
  }
  useLanguage('zh-CN');
  for (const [message, text] of CORE) {
    const m = coreMessage(thrown(message));
    const zh = t(m.key, m.params);
    // File names and code names stay; every number of the message is still there.
    for (const n of text.match(/\d+/g) ?? []) assert.ok(zh.replace(/,/g, '').includes(n), `${zh} lost ${n} of ${text}`);
    assert.match(zh, /[\u4e00-\u9fff]/, `not translated: ${zh}`);
  }
  useLanguage('en');
  const unknown = coreMessage(new Error('something new'));
  assert.equal(t(unknown.key, unknown.params), 'something new');
});

test("numbers in the core's messages are written as the command line writes them", () => {
  // The wasm has no float formatter: the page writes the digits (the shortest that read back as the same f32), never
  // in exponent form, as Rust's `{}` does; `{:.2}` and `{:.1e}` too.
  const cases = [
    [real(200), '200'],
    [real(Math.fround(123.456)), '123.456'],
    [real(Math.fround(-1e-7)), '-0.0000001'],
    [real(Math.fround(1e25)), '10000000000000000000000000'],
    [real(3.4028234663852886e38), '340282350000000000000000000000000000000'],
    [real(0.1, { single: false }), '0.1'],
    [real(Math.fround(0.1)), '0.1'],
    [real(NaN), 'NaN'],
    [real(Infinity), 'inf'],
    [real(-Infinity), '-inf'],
    [real(-0), '-0'],
    [real(Math.fround(3.1), { fixed: 2 }), '3.10'],
    [real(2.345e-7, { single: false, exponent: 1 }), '2.3e-7'],
    [real(1.5e31, { single: false, exponent: 1 }), '1.5e31'],
    [real(9.999999848243207e30, { single: false, exponent: 1 }), '1.0e31'],
  ];
  for (const [value, shown] of cases) assert.equal(rustNumber(value), shown, JSON.stringify(value));
});

test("the web app manifest in each language: English's is www/manifest.json, the others its strings translated", () => {
  const english = JSON.parse(read('www/manifest.json'));
  assert.deepEqual(manifestFor('en'), english, "www/manifest.json's strings are not the English table's page.title, page.name, page.description");
  for (const lang of LANGUAGES.filter((lang) => lang !== 'en')) {
    const manifest = manifestFor(lang);
    assert.equal(manifest.lang, lang);
    for (const key of ['name', 'short_name', 'description']) {
      assert.ok(manifest[key] && manifest[key] !== english[key], `${lang} manifest ${key}: ${manifest[key]}`);
    }
    // Everything else (icons, URLs, colours) as in English's.
    const rest = (m) => Object.fromEntries(Object.entries(m).filter(([key]) => !['name', 'short_name', 'description', 'lang'].includes(key)));
    assert.deepEqual(rest(manifest), rest(english));
  }
  assert.match(manifestFor('zh-CN').name, /[\u4e00-\u9fff]/);
});

test('integers written without Intl are written as Intl writes them', () => {
  for (const lang of COMMA_GROUPED) {
    assert.ok(LANGUAGES.includes(lang), `${lang} is a language of the page`);
    useLanguage(lang);
    const intl = new Intl.NumberFormat(lang);
    const numbers = [0, -0, 1000, 4096, 10000, 60000, 123456, 1234567, -1000, -60000, -1234567, 2 ** 53 - 1, -(2 ** 53 - 1)];
    numbers.push(2 ** 53, 0.5, 27.5, -0.25, 1e21, NaN, Infinity, -Infinity);
    for (let n = -999; n < 1000; n++) numbers.push(n);
    for (let n = 1; n < 1e15; n = n * 7 + 3) numbers.push(n, -n);
    for (const n of numbers) assert.equal(formatNumber(n), intl.format(n), `${lang}: ${n}`);
  }
  useLanguage('en');
});
