// What a reader sees of the page's language, for the i18n tests in Chromium and Firefox: every visible string
// (text, titles, aria-labels, the document's title and description), and the checks that they are all Chinese or
// all English.

/**
 * Runs in the page: the strings a reader meets, as [where, text] pairs. Text inside code names (a.code, code, pre),
 * math and the language switch itself is left out.
 */
export function visibleStrings() {
  const skip = 'code, pre, math, .code, #lang, script, style';
  const shown = (el) => el.checkVisibility({ visibilityProperty: true }) || el.closest('.visually-hidden');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.textContent.trim();
    if (!text || el.closest(skip) || !shown(el)) continue;
    out.push([el.id || el.tagName.toLowerCase(), text]);
  }
  for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder], option')) {
    if (el.closest(skip)) continue;
    for (const name of ['title', 'aria-label', 'placeholder']) {
      const value = el.getAttribute(name);
      if (value) out.push([`${el.id || el.tagName.toLowerCase()}[${name}]`, value]);
    }
    if (el.tagName === 'OPTION') out.push([`option ${el.value}`, el.textContent]);
  }
  out.push(['title', document.title]);
  out.push(['meta description', document.querySelector('meta[name=description]')?.content ?? '']);
  return out;
}

/** Latin words a Chinese page may show: names of things, code, units and keys of the keyboard. */
const NAMES = new Set([
  'MNIST', 'Rust', 'WebAssembly', 'Softmax', 'softmax', 'sigmoid', 'ReLU', 'relu', 'Shift', 'Ctrl', 'Esc', 'MB',
  'gzip', 'IDX', 'HWNN', 'handwritten', 'ln', 'Xavier', 'He', 'Simard',
]);

/** File names (src/math.rs, default.bin, train-images-idx3-ubyte.gz) are names, not words. */
const FILE_NAMES = /[\w-]+(\/[\w.-]+)*\.(rs|bin|gz)\b/g;

/**
 * The strings of a Chinese page that hold English: a Latin word of two letters or more that is not a name. Code
 * names (compute_accuracy, w1) hold an underscore or a digit and are not words, nor are file names.
 */
export function englishIn(strings) {
  const words = (text) =>
    (text.replace(FILE_NAMES, '').match(/[A-Za-z][A-Za-z0-9_]*/g) ?? []).filter((w) => w.length > 1 && !/[_0-9]/.test(w));
  return strings.filter(([, text]) => words(text).some((w) => !NAMES.has(w)));
}

/** The strings of an English page that hold Chinese. */
export function chineseIn(strings) {
  return strings.filter(([, text]) => /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/.test(text));
}

/** Strings that are a key of the tables shown as itself (t's fallback for a key it does not know). */
export function keysIn(strings) {
  return strings.filter(([, text]) => /^[a-z]+(\.[a-zA-Z]+)+$/.test(text));
}
