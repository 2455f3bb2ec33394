// The training form as the person last left it, kept between visits in localStorage: {field id: value as typed}.
// One entry per copy of the site, named by the path of the site's root as store.js names its database, so that
// copies under two paths of one origin keep their own. The page works without storage: where it is blocked or full,
// nothing is kept, and nothing fails.

const KEY = `handwritten.form:${new URL('../', import.meta.url).pathname}`;

/** The fields last kept ({id: string}), or null when there are none (or storage is blocked, or the entry is not ours). */
export function recall() {
  try {
    const kept = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return kept && typeof kept === 'object' && !Array.isArray(kept) ? kept : null;
  } catch {
    return null;
  }
}

/** Keeps the fields ({id: string}) for the next visit. */
export function keep(fields) {
  try {
    localStorage.setItem(KEY, JSON.stringify(fields));
  } catch {
    // Storage blocked or full: the form holds them for this visit only.
  }
}

/** Forgets the kept fields: the next visit starts from the page's own settings. */
export function forget() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Storage blocked: nothing was kept.
  }
}
