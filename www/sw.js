// The service worker: the site works offline once loaded. The build prepends
// VERSION (a hash of the site), DATA_VERSION (a hash of the MNIST files) and PRECACHE
// (the site's files, relative to this script).
// The page's own files are fetched from the network first, so a new build shows at
// once, and from the cache when offline or when the network has not answered within
// NETWORK_TIMEOUT_MS; the MNIST files are served from the cache once they have been
// fetched, and only a complete gzip file is ever cached.
//
// Cache names belong to the whole origin (user.github.io hosts all of a user's sites),
// so every name this worker makes starts with PREFIX, which holds the path of its scope:
// two copies of the site under two paths never share or delete each other's caches.
// www/store.js names its IndexedDB database the same way.

const PREFIX = `handwritten:${new URL(self.registration.scope).pathname}:`;
const CACHE = `${PREFIX}site-${VERSION}`;
const DATA = `${PREFIX}data-${DATA_VERSION}`;
const NETWORK_TIMEOUT_MS = 3000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE && k !== DATA).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

/** Whether `bytes` can be a whole gzip file: its magic number 1f 8b, and every byte the server said it would send. */
function isWholeGzip(bytes, headers) {
  const view = new Uint8Array(bytes);
  const length = headers.get('Content-Length');
  const complete = length === null || headers.has('Content-Encoding') || Number(length) === view.length;
  return view.length >= 18 && view[0] === 0x1f && view[1] === 0x8b && complete;
}

/** A data file: from the cache, else from the network, kept only if it is a whole gzip file. */
async function dataFile(event) {
  const cache = await caches.open(DATA);
  const hit = await cache.match(event.request);
  if (hit) return hit;
  const response = await fetch(event.request);
  if (response.status === 200) {
    const copy = response.clone();
    event.waitUntil(
      copy
        .arrayBuffer()
        .then((bytes) => {
          if (!isWholeGzip(bytes, copy.headers)) return undefined;
          const headers = { 'Content-Type': copy.headers.get('Content-Type') ?? 'application/gzip' };
          return cache.put(event.request, new Response(bytes, { status: 200, headers }));
        })
        .catch(() => undefined),
    );
  }
  return response;
}

/** A file of the page: from the network, or from the cache when the network fails or is slower than the timeout. */
async function pageFile(request, network) {
  const cached = () => caches.open(CACHE).then((cache) => cache.match(request, { ignoreSearch: true }));
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(resolve, NETWORK_TIMEOUT_MS, 'slow');
  });
  try {
    const first = await Promise.race([network, slow]);
    if (first !== 'slow') return first;
    return (await cached()) ?? (await network);
  } catch {
    return (await cached()) ?? Response.error();
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (new URL(request.url).pathname.endsWith('.gz')) {
    event.respondWith(dataFile(event));
    return;
  }
  const network = fetch(request);
  // A good answer refreshes the cache, whether or not it came in time to be the one shown.
  event.waitUntil(
    network
      .then((response) => {
        if (!response.ok) return undefined;
        const copy = response.clone();
        return caches.open(CACHE).then((cache) => cache.put(request, copy));
      })
      .catch(() => undefined),
  );
  event.respondWith(pageFile(request, network));
});
