// scripts/serve.mjs as an attacker's page and a careless user would try it: hostile paths, unreadable files,
// links out of the root, aborted downloads, revalidation, the headers, a port already taken. The server runs as
// its own process (as `make serve` runs it), so a request that kills it is seen as such.
import { test, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForOutput } from './e2e/harness.mjs';

const SERVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/serve.mjs');
const BIG = 16 * 1024 * 1024;

let root;
let outside;
let server;
let base;

/** Starts `node scripts/serve.mjs dir port` (as `nobody` when we are root, so that file permissions apply). */
function start(dir, port = 0) {
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return spawn(process.execPath, [SERVE, dir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], ...asNobody });
}

/** GET (or `method`) of a raw, already encoded `target`; resolves to { status, headers, body }. */
function request(target, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${target.slice(1)}`, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function assertServing() {
  assert.equal(server.exitCode, null, 'the server exited');
  const { status, body } = await request('/index.html');
  assert.equal(status, 200);
  assert.match(body.toString(), /<title>site<\/title>/);
}

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-root-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-outside-'));
  fs.chmodSync(root, 0o755);
  fs.chmodSync(outside, 0o755);
  fs.writeFileSync(
    path.join(root, 'index.html'),
    '<!doctype html><title>site</title><script type="module">console.log(1);</script><script src="a.js"></script>',
  );
  fs.writeFileSync(path.join(root, 'a.js'), 'export {};\n');
  fs.mkdirSync(path.join(root, 'sub'));
  fs.writeFileSync(path.join(root, 'sub', 'index.html'), '<title>sub</title>');
  fs.mkdirSync(path.join(root, '中'));
  fs.writeFileSync(path.join(root, '中', 'index.html'), '<title>zhong</title>');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'no one may read this');
  fs.chmodSync(path.join(root, 'secret.txt'), 0o000);
  fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(BIG, 7));
  fs.writeFileSync(path.join(outside, 'private.txt'), 'outside the root');
  fs.symlinkSync(path.join(outside, 'private.txt'), path.join(root, 'out.txt'));
  fs.symlinkSync(outside, path.join(root, 'outdir'));
  fs.symlinkSync('a.js', path.join(root, 'link.js'));
});

// A fresh server for each test whose previous one died, so that each test shows its own fault.
beforeEach(async () => {
  if (server && (await request('/index.html').then(() => true, () => false))) return;
  server?.kill();
  server = start(root);
  const [url] = await waitForOutput(server, /http:\/\/127\.0\.0\.1:\d+\//, 'scripts/serve.mjs');
  base = url;
});

after(() => {
  server?.kill();
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

test('hostile paths are answered and the server keeps serving', async () => {
  for (const [target, expected] of [
    ['/%00', [400]],
    ['/a.js%00.html', [400]],
    ['/%ff', [400]],
    ['/..%2f..%2f..%2fetc%2fpasswd', [403, 404]],
    ['/%2e%2e/%2e%2e/etc/passwd', [403, 404]],
  ]) {
    const { status } = await request(target);
    assert.ok(expected.includes(status), `${target}: ${status}`);
    await assertServing();
  }
  // Paths that reached the redirect's Location header raw: CR/LF, characters beyond Latin-1, a second slash.
  for (const target of ['/%0d%0a%2f..', '/%0d%0aSet-Cookie:%20x=1%2f..', '/%E4%B8%AD%2f..', '/%2fevil.example%2f..', '/%5cevil.example%2f..']) {
    const { status, headers } = await request(target);
    assert.ok([200, 301, 400, 403, 404].includes(status), `${target}: ${status}`);
    assert.equal(headers['set-cookie'], undefined, target);
    if (headers.location !== undefined) {
      assert.match(headers.location, /^\/(?![/\\])/, `${target} redirects off the server: ${headers.location}`);
    }
    await assertServing();
  }
});

test('doubled slashes name the same file, not a host', async () => {
  const js = await request('/a.js');
  for (const target of ['//a.js', '///a.js', '/sub//index.html']) {
    const { status, body } = await request(target);
    assert.equal(status, 200, target);
    const expected = target.startsWith('/sub') ? (await request('/sub/index.html')).body : js.body;
    assert.deepEqual(body, expected, target);
  }
  const { status, body } = await request('//');
  assert.equal(status, 200);
  assert.match(body.toString(), /<title>site<\/title>/);
});

test('directories redirect to their slash, on this server, the path percent-encoded', async () => {
  assert.equal((await request('/sub')).headers.location, '/sub/');
  assert.equal((await request('/%E4%B8%AD')).headers.location, '/%E4%B8%AD/');
  const zhong = await request('/%E4%B8%AD/');
  assert.equal(zhong.status, 200);
  assert.match(zhong.body.toString(), /zhong/);
  const evil = await request('/%2fevil.example%2f..');
  assert.notEqual(evil.status, 301, `an open redirect to ${evil.headers.location}`);
});

test('an unreadable file is 403 and the server keeps serving', async () => {
  const { status, body } = await request('/secret.txt');
  assert.equal(status, 403);
  assert.doesNotMatch(body.toString(), /no one may read/);
  await assertServing();
});

test('links lead nowhere out of the root; links inside it are followed', async () => {
  for (const target of ['/out.txt', '/outdir/private.txt', '/outdir/']) {
    const { status, body } = await request(target);
    assert.equal(status, 403, target);
    assert.doesNotMatch(body.toString(), /outside the root/, target);
  }
  const inside = await request('/link.js');
  assert.equal(inside.status, 200);
  assert.equal(inside.body.toString(), 'export {};\n');
});

test('every answer carries nosniff and a policy; pages allow their own inline blocks by hash only', async () => {
  for (const target of ['/index.html', '/a.js', '/nothing-here']) {
    const { headers } = await request(target);
    assert.equal(headers['x-content-type-options'], 'nosniff', target);
    const policy = headers['content-security-policy'];
    assert.match(policy, /default-src 'self'/, target);
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/, target);
    assert.match(policy, /frame-ancestors 'none'/, target);
    assert.doesNotMatch(policy, /unsafe-inline/, target);
  }
  const { headers } = await request('/index.html');
  const inline = (await import('node:crypto')).createHash('sha256').update('console.log(1);').digest('base64');
  assert.match(headers['content-security-policy'], new RegExp(`script-src [^;]*'sha256-${inline.replace(/[+/]/g, '\\$&')}'`));
});

test('reloads revalidate: ETag and Last-Modified give 304, a changed file 200', async () => {
  const first = await request('/a.js');
  assert.equal(first.status, 200);
  assert.ok(first.headers.etag, 'no ETag');
  assert.ok(first.headers['last-modified'], 'no Last-Modified');
  const byTag = await request('/a.js', { headers: { 'If-None-Match': first.headers.etag } });
  assert.equal(byTag.status, 304);
  assert.equal(byTag.body.length, 0);
  const byDate = await request('/a.js', { headers: { 'If-Modified-Since': first.headers['last-modified'] } });
  assert.equal(byDate.status, 304);
  const file = path.join(root, 'a.js');
  fs.writeFileSync(file, 'export const changed = 1;\n');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const changed = await request('/a.js', { headers: { 'If-None-Match': first.headers.etag } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.toString(), 'export const changed = 1;\n');
  assert.notEqual(changed.headers.etag, first.headers.etag);
});

/** The number of file descriptors the server holds open (Linux), or undefined elsewhere. */
function openFiles() {
  try {
    return fs.readdirSync(`/proc/${server.pid}/fd`).length;
  } catch {
    return undefined;
  }
}

test('aborted downloads close their files', { skip: !fs.existsSync('/proc/self/fd') && 'no /proc here' }, async () => {
  await assertServing();
  const before = openFiles();
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve, reject) => {
      const req = http.get(`${base}big.bin`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
    });
  }
  // The server sees each abort as its socket closes: wait for the count to settle (a bound, not a sync).
  let open = openFiles();
  for (let tries = 0; open > before && tries < 100; tries++) {
    await new Promise((r) => setTimeout(r, 50));
    open = openFiles();
  }
  assert.ok(open <= before, `${open - before} files left open by 40 aborted downloads`);
  await assertServing();
});

test('a port already taken is named, with the way to pick another; success prints the address', async () => {
  const port = new URL(base).port;
  const second = start(root, port);
  let stderr = '';
  second.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
  const code = await new Promise((resolve) => second.on('exit', resolve));
  assert.equal(code, 1);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.match(stderr, new RegExp(`port ${port} is already in use`));
  assert.match(stderr, /PORT=8080 make serve/);
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  await assertServing();
});
