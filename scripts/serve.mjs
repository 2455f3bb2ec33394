#!/usr/bin/env node
// A small static file server for the site (node's http module, no dependencies).
//
//   node scripts/serve.mjs [ROOT] [PORT]     ROOT defaults to dist, PORT to 8000 (0 picks a free port)
//
// It serves files as any plain static host would: .gz files as application/gzip
// bytes (no Content-Encoding: the page gunzips them itself), .wasm as
// application/wasm, .js/.mjs as text/javascript. It listens on 127.0.0.1 only and
// prints the address. Also usable as a module: `serve(root, port)` resolves to
// {server, url} (used by the timing and screenshot scripts), and `serveApart(root)` runs
// this file in a process of its own, as `make serve` does, and resolves to {url, close}
// (the end-to-end tests, scripts/first-prediction.mjs).
//
// Any page on the web can make a browser send requests to 127.0.0.1, so every request
// gets an answer and none can stop the server: a malformed path is 400, a path or link
// leading out of ROOT is 403, anything else missing or unreadable 404. Redirects stay on
// this server; files are streamed with stream.pipeline (an aborted download closes its
// file); answers carry ETag and Last-Modified (a reload revalidates: 304), nosniff and a
// Content-Security-Policy under which the page runs (scripts and styles from the site
// only, WebAssembly compiled, nothing framed; the site's own inline <script> and <style>
// blocks are allowed by their hashes).

import http from 'node:http';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.gz': 'application/gzip',
  '.bin': 'application/octet-stream',
  '.rs': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** The policy of every answer; HTML pages add the hashes of their own inline blocks to script-src and style-src. */
function contentSecurityPolicy(scriptHashes = [], styleHashes = []) {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${scriptHashes.map((h) => ` '${h}'`).join('')}`,
    `style-src 'self'${styleHashes.map((h) => ` '${h}'`).join('')}`,
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** sha256 sources of the inline `<tag>` elements of an HTML page (those without a src). */
function inlineHashes(html, tag) {
  const blocks = html.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'gi'));
  return [...blocks]
    .filter(([, attributes = '']) => !/\ssrc\s*=/i.test(attributes))
    .map(([, , body]) => `sha256-${createHash('sha256').update(body).digest('base64')}`);
}

/** The path as a URL path: each segment percent-encoded, so that no byte of it can end a header or leave the server. */
function encodePath(pathname) {
  return pathname.split('/').map(encodeURIComponent).join('/');
}

/** Answers with `status` and a short plain-text body (no part of the request echoed into headers). */
function fail(res, status, text) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': contentSecurityPolicy(),
  });
  res.end(text);
}

/** Whether the request's validators match the file's (If-None-Match first, as RFC 9110 says). */
function notModified(req, etag, mtime) {
  const match = req.headers['if-none-match'];
  if (match !== undefined) {
    return match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag.replace(/^W\//, '') || tag.trim() === '*');
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}

/** Serves `root` on 127.0.0.1:`port`; resolves to {server, url}. */
export async function serve(root, port = 0) {
  const base = await fs.promises.realpath(path.resolve(root));
  const inside = (file) => file === base || file.startsWith(base + path.sep);

  async function answer(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname;
    try {
      // The target is a path (origin form): appended to an origin, not resolved against one, where a target that
      // begins with two slashes would name a host ('//a.js' the page at '/' of host a.js).
      pathname = decodeURIComponent(new URL(`http://x${req.url.startsWith('/') ? '' : '/'}${req.url}`).pathname);
    } catch {
      return fail(res, 400, 'bad request: the path is not valid percent-encoded UTF-8');
    }
    if (pathname.includes('\0')) return fail(res, 400, 'bad request: the path holds a NUL byte');
    // Normalised: no empty, '.' or '..' segments, so the path (and any redirect to it) begins with one slash.
    const clean = path.posix.normalize(pathname.replaceAll('\\', '/'));
    let file = path.join(base, clean);
    if (!inside(file)) return fail(res, 403, 'forbidden');
    let real;
    try {
      real = await fs.promises.realpath(file);
    } catch {
      return fail(res, 404, 'not found');
    }
    if (!inside(real)) return fail(res, 403, 'forbidden: the path leads out of the site');
    let stat = await fs.promises.stat(real);
    if (stat.isDirectory()) {
      if (!clean.endsWith('/')) {
        res.writeHead(301, { Location: encodePath(clean) + '/' }).end();
        return;
      }
      file = path.join(real, 'index.html');
      try {
        real = await fs.promises.realpath(file);
      } catch {
        return fail(res, 404, 'not found');
      }
      if (!inside(real)) return fail(res, 403, 'forbidden: the path leads out of the site');
    }
    // Opened first and measured through the open file: what is sent is what was measured.
    let handle;
    try {
      handle = await fs.promises.open(real, 'r');
      stat = await handle.stat();
    } catch (e) {
      await handle?.close();
      return fail(res, e.code === 'EACCES' || e.code === 'EPERM' ? 403 : 404, 'not found or not readable');
    }
    if (!stat.isFile()) {
      await handle.close();
      return fail(res, 404, 'not found');
    }
    const type = TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers = {
      'Content-Type': type,
      'Cache-Control': 'no-cache',
      ETag: etag,
      'Last-Modified': stat.mtime.toUTCString(),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': contentSecurityPolicy(),
    };
    if (notModified(req, etag, stat.mtime)) {
      await handle.close();
      res.writeHead(304, headers).end();
      return;
    }
    if (type.startsWith('text/html') && req.method === 'GET') {
      // Pages are small: read whole, so their inline blocks can be hashed into the policy.
      let html;
      try {
        html = await handle.readFile();
      } catch {
        return fail(res, 404, 'not readable');
      } finally {
        await handle.close();
      }
      const text = html.toString('utf8');
      headers['Content-Security-Policy'] = contentSecurityPolicy(inlineHashes(text, 'script'), inlineHashes(text, 'style'));
      res.writeHead(200, { ...headers, 'Content-Length': html.length }).end(html);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': stat.size });
    if (req.method === 'HEAD') {
      await handle.close();
      res.end();
      return;
    }
    // pipeline closes the file when the download ends, fails or is aborted by the client.
    pipeline(handle.createReadStream({ start: 0, end: Math.max(0, stat.size - 1) }), res, () => {});
  }

  const server = http.createServer((req, res) => {
    answer(req, res).catch(() => fail(res, 404, 'not found'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const { port: actual } = server.address();
      resolve({ server, url: `http://127.0.0.1:${actual}/` });
    });
  });
}

/**
 * Serves `root` on a free port of 127.0.0.1 from a child process running this file, as `make serve` does (apart from
 * the caller's event loop, which may be busy driving a browser); resolves to {url, close} once the child has printed
 * its address, or rejects with what it printed if it exits before.
 */
export function serveApart(root) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), root, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const look = (chunk) => {
      seen += chunk;
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen)?.[1];
      if (!url) return;
      child.stdout.off('data', look);
      child.stderr.off('data', look);
      child.off('exit', exited);
      resolve({ url, close: () => child.kill() });
    };
    const exited = (code) => reject(new Error(`scripts/serve.mjs ${root} exited (${code}) before printing its address:\n${seen}`));
    child.stdout.setEncoding('utf8').on('data', look);
    child.stderr.setEncoding('utf8').on('data', look);
    child.on('exit', exited);
    child.on('error', reject);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? 'dist';
  const given = process.argv[3] ?? process.env.PORT ?? '8000';
  const port = Number(given);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`serve: ${root}/index.html not found: build the site first (make site)`);
    process.exit(1);
  }
  if (given === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: port ${given} is not a port number (0 to 65535)`);
    process.exit(1);
  }
  serve(root, port).then(
    ({ url }) => console.log(`Serving ${path.resolve(root)} at ${url}  (Ctrl+C to stop)`),
    (e) => {
      if (e.code === 'EADDRINUSE') {
        const other = port === 8080 ? 8081 : 8080;
        console.error(`serve: port ${port} is already in use on 127.0.0.1; choose another: PORT=${other} make serve`);
      } else {
        console.error(`serve: cannot listen on 127.0.0.1:${port}: ${e.message}`);
      }
      process.exit(1);
    },
  );
}
