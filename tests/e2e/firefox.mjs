// A minimal W3C WebDriver client for geckodriver: enough to open a page in headless Firefox, run scripts,
// wait for a state and draw with a pointer. Plain fetch to the standard endpoints; no extra package.
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { freePort, waitForOutput, startServer } from './harness.mjs';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/**
 * The site served and open in headless Firefox for the tests of a file (the Firefox twin of the harness's
 * `withSite`): before them, starts the server, launches Firefox with `prefs`, opens the page and calls
 * `ready({ server, firefox })`; after them, closes both.
 */
export function withFirefox(ready, { prefs } = {}) {
  let server;
  let firefox;
  before(async () => {
    server = await startServer();
    firefox = await launchFirefox({ prefs });
    await firefox.goto(server.url);
    await ready({ server, firefox });
  });
  after(async () => {
    await firefox?.close();
    server?.close();
  });
}

/** Starts headless Firefox; `prefs` are added to its preferences (e.g. {'intl.accept_languages': 'zh-CN'}). */
export async function launchFirefox({ prefs = {} } = {}) {
  const geckodriver = process.env.GECKODRIVER || 'geckodriver';
  const port = await freePort();
  const driver = spawn(geckodriver, ['--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(driver, /Listening on/, 'geckodriver');
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const response = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) {
      throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    }
    return json.value;
  };
  let session;
  try {
    const args = ['-headless'];
    const options = { args, prefs: { 'browser.shell.checkDefaultBrowser': false, ...prefs } };
    if (process.env.FIREFOX) options.binary = process.env.FIREFOX;
    session = await call('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'firefox', 'moz:firefoxOptions': options } },
    });
  } catch (e) {
    driver.kill();
    throw e;
  }
  const id = session.sessionId;
  const s = (path) => `/session/${id}${path}`;
  await call('POST', s('/timeouts'), { script: 300_000, pageLoad: 60_000 });
  return {
    goto: (url) => call('POST', s('/url'), { url }),
    /** Runs `body` (a function body using `arguments`) in the page and returns its value. */
    run: (body, ...args) => call('POST', s('/execute/sync'), { script: body, args }),
    /** Runs `fn(arg)` in the page (an async function is awaited) and returns its value. */
    evaluate: (fn, arg = null) => call('POST', s('/execute/sync'), { script: `return (${fn})(arguments[0])`, args: [arg] }),
    /**
     * Resolves when `predicate` (a function, given `arg`) returns a truthy value in the page, checked on every
     * animation frame; rejects after `timeout` ms with `what`.
     */
    waitFor: (predicate, what, timeout = 30_000, arg = null) =>
      call('POST', s('/execute/async'), {
        script: `const [predicate, timeout, what, arg, done] = arguments;
          const check = () => new Function('arg', 'return (' + predicate + ')(arg)')(arg);
          const started = performance.now();
          (function poll() {
            let value;
            try { value = check(); } catch (e) { value = undefined; }
            if (value) return done({ ok: true, value });
            if (performance.now() - started > timeout) return done({ ok: false });
            requestAnimationFrame(poll);
          })();`,
        args: [predicate.toString(), timeout, what, arg],
      }).then((r) => {
        if (!r.ok) throw new Error(`Firefox: timed out after ${timeout} ms waiting for ${what}`);
        return r.value;
      }),
    element: async (selector) => (await call('POST', s('/element'), { using: 'css selector', value: selector }))[ELEMENT],
    /** Resolves after the next animation frame: what the page does on the frame after a change is done. */
    settle: () => call('POST', s('/execute/async'), { script: 'requestAnimationFrame(() => arguments[0]())', args: [] }),
    /** Draws strokes in unit coordinates of the element (0..1 across and down) with a mouse pointer. */
    draw: async (selector, strokes) => {
      const el = await call('POST', s('/element'), { using: 'css selector', value: selector });
      const rect = await call('GET', s(`/element/${el[ELEMENT]}/rect`));
      const at = ([u, v]) => ({
        type: 'pointerMove',
        duration: 0,
        origin: 'viewport',
        x: Math.round(rect.x + u * rect.width),
        y: Math.round(rect.y + v * rect.height),
      });
      const actions = [];
      for (const stroke of strokes) {
        actions.push(at(stroke[0]), { type: 'pointerDown', button: 0 });
        for (let i = 1; i < stroke.length; i++) {
          const [u0, v0] = stroke[i - 1];
          const [u1, v1] = stroke[i];
          for (let t = 1; t <= 4; t++) actions.push(at([u0 + ((u1 - u0) * t) / 4, v0 + ((v1 - v0) * t) / 4]));
        }
        actions.push({ type: 'pointerUp', button: 0 });
      }
      await call('POST', s('/actions'), {
        actions: [{ type: 'pointer', id: 'pen', parameters: { pointerType: 'mouse' }, actions }],
      });
      await call('DELETE', s('/actions'));
    },
    close: async () => {
      try {
        await call('DELETE', s(''));
      } finally {
        driver.kill();
      }
    },
  };
}
