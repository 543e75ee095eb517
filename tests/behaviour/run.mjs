#!/usr/bin/env node
// Behavioural test runner for pages2app.
//
// A real Next.js server is the judge: the ORIGINAL Pages app and the MIGRATED copy are each built
// with `next build`, served with `next start`, and sent the same request matrix
// (fixtures/<app>/requests.json). Every difference in status, status text, the headers that matter
// or the body fails the run, unless tests/behaviour/allow.json allows it AND the migration report
// carries the named diagnostic for the file that serves that route.
//
//   node tests/behaviour/run.mjs --bin target/debug/pages2app --app fixtures/behaviour-app [--keep]
//   node tests/behaviour/run.mjs --app fixtures/behaviour-app --original-only      (no binary needed)
//
// Plain Node ESM, Node >= 20, no dependencies beyond the built-ins. The Next.js toolchain is the one
// pinned by tests/toolchain/package-lock.json, shared with tests/runtime/verify.mjs and installed
// once by tests/toolchain/toolchain.mjs into $CARGO_TARGET_DIR (or target)/test-toolchain/<hash of
// the lockfile>/ and reused. The app copies are made INSIDE that
// directory (runs/<app>-XXXX/{original,migrated}) so that Node and Turbopack resolve `next` from the
// parent node_modules: Turbopack refuses a node_modules symlink that points outside the project root
// ("Could not find the Next.js package"), while a parent directory with the lockfile is the project
// root it detects on its own.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { ensureToolchain as installToolchain, ToolchainError } from '../toolchain/toolchain.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REQUEST_TIMEOUT_MS = 10_000;
// A request the matrix marks `hangs` (a method the handler never answers) must stay open this long.
const HANG_TIMEOUT_MS = 2_000;
const READY_TIMEOUT_MS = 90_000;
const DEFAULT_HOST_HEADER = 'localhost:3000';
const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const DEFAULT_EXOTIC_METHODS = ['PROPFIND', 'TRACE'];
const DEFAULT_BODY_METHODS = ['POST', 'PUT', 'PATCH'];
const RECORDED_HEADERS = ['content-type', 'location', 'set-cookie', 'cache-control', 'allow', 'etag'];
const COPY_EXCLUDE = new Set(['node_modules', '.next', 'requests.json', 'tsconfig.tsbuildinfo']);
const PAGE_EXTENSIONS = ['.tsx', '.ts', '.jsx', '.js'];

// ---------------------------------------------------------------------------------------------
// command line

const USAGE = `usage: node tests/behaviour/run.mjs --app <fixture dir> (--bin <pages2app> | --original-only) [options]

  --bin PATH         the pages2app binary (runs \`PATH migrate --json <copy>\`)
  --app DIR          fixture app with pages/api/** and requests.json
  --original-only    build, serve and check only the original app (no binary needed)
  --keep             keep the work directory (app copies, build and server logs, results.json)
  --filter TEXT      only replay requests whose id or path contains TEXT
  --allow FILE       allow-list (default tests/behaviour/allow.json)
  --cache-dir DIR    toolchain root (default $PAGES2APP_TOOLCHAIN_ROOT, $CARGO_TARGET_DIR/test-toolchain or <repo>/target/test-toolchain)
  --verbose          print every request's answer(s)
`;

let args;
try {
  args = parseArgs({
    options: {
      bin: { type: 'string' },
      app: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'original-only': { type: 'boolean', default: false },
      filter: { type: 'string' },
      allow: { type: 'string' },
      'cache-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  console.error(`${e.message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!args.app || (!args.bin && !args['original-only'])) {
  console.error(USAGE);
  process.exit(2);
}

const ORIGINAL_ONLY = args['original-only'];
const APP_SRC = path.resolve(args.app);
const APP_NAME = path.basename(APP_SRC);
const BIN = args.bin ? path.resolve(args.bin) : null;
const ALLOW_FILE = path.resolve(args.allow ?? path.join(HERE, 'allow.json'));

// ---------------------------------------------------------------------------------------------
// process bookkeeping: every server we start is in its own process group and is killed on exit

const liveGroups = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function killAllSync() {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  liveGroups.clear();
}

process.on('exit', killAllSync);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    console.error(`\n${APP_NAME}: received ${sig}, stopping servers`);
    killAllSync();
    process.exit(code);
  });
}

// ---------------------------------------------------------------------------------------------
// small helpers

const T0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`[${secs(Date.now() - T0).padStart(6)}] ${msg}`);

class Fatal extends Error {}

function tail(text, lines = 40) {
  const all = String(text ?? '').trimEnd().split('\n');
  return all.slice(-lines).map((l) => `    | ${l}`).join('\n');
}

function nodeEnv(extra = {}) {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
  delete env.NODE_OPTIONS;
  delete env.NODE_ENV;
  delete env.PORT;
  delete env.__NEXT_PRIVATE_ORIGIN;
  return env;
}

// Runs a command in its own process group (killed with the runner on a signal), collecting output.
function run(cmd, argv, { timeout = 0, ...opts } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    let child;
    try {
      child = spawn(cmd, argv, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      resolve({ error, status: null, stdout: '', stderr: '', output: '', ms: 0 });
      return;
    }
    const out = [];
    const err = [];
    const all = [];
    child.stdout.on('data', (c) => {
      out.push(c);
      all.push(c);
    });
    child.stderr.on('data', (c) => {
      err.push(c);
      all.push(c);
    });
    if (child.pid) liveGroups.add(child.pid);
    let timedOut = false;
    const timer = timeout ? setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeout) : null;
    let spawnError = null;
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      liveGroups.delete(child.pid);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        error: spawnError ?? (timedOut ? new Error(`timed out after ${timeout / 1000}s`) : null),
        status,
        signal,
        stdout,
        stderr,
        output: Buffer.concat(all).toString('utf8'),
        ms: Date.now() - started,
      });
    });
  });
}

function copyApp(src, dest) {
  fs.cpSync(src, dest, {
    recursive: true,
    filter: (p) => !COPY_EXCLUDE.has(path.basename(p)) || path.resolve(p) === path.resolve(src),
  });
}

function walk(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...walk(p));
    else if (ent.isFile()) out.push(p);
  }
  return out;
}

const posix = (p) => p.split(path.sep).join('/');

function globToRegExp(glob) {
  const esc = String(glob).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`, 'i');
}

const globMatch = (glob, value) => glob === undefined || glob === '*' || globToRegExp(glob).test(String(value ?? ''));

// ---------------------------------------------------------------------------------------------
// toolchain: tests/toolchain/toolchain.mjs installs it (shared with the runtime suite); the run
// directories inside it are ours

function pruneRuns(toolchain) {
  // run directories of killed runs, older than six hours
  const runs = path.join(toolchain, 'runs');
  if (!fs.existsSync(runs)) return;
  for (const name of fs.readdirSync(runs)) {
    const p = path.join(runs, name);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > 6 * 3600 * 1000) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      /* raced with another run */
    }
  }
}

function ensureToolchain() {
  let dir;
  try {
    dir = installToolchain({ log, root: args['cache-dir'] });
  } catch (e) {
    if (e instanceof ToolchainError) throw new Fatal(e.message);
    throw e;
  }
  pruneRuns(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// routes of a Pages app: file → URL pattern, and URL path → the file that serves it

function routePatternOfSource(source) {
  // "pages/api/items/[id].ts" or "/abs/.../src/pages/api/a/index.js" → "/api/items/[id]", "/api/a"
  const p = posix(source);
  const i = p.lastIndexOf('pages/api/');
  if (i < 0) return null;
  let rest = p.slice(i + 'pages/'.length).replace(/\.(tsx|ts|jsx|js|mjs|cjs)$/, '');
  if (rest.endsWith('/index')) rest = rest.slice(0, -'/index'.length);
  return `/${rest}`;
}

function scanRoutes(appDir) {
  const pagesDir = fs.existsSync(path.join(appDir, 'pages')) ? path.join(appDir, 'pages') : path.join(appDir, 'src', 'pages');
  const routes = [];
  for (const file of walk(path.join(pagesDir, 'api'))) {
    if (!PAGE_EXTENSIONS.includes(path.extname(file)) || file.endsWith('.d.ts')) continue;
    const source = posix(path.relative(appDir, file));
    const pattern = routePatternOfSource(source);
    routes.push({ pattern, source, segments: pattern.split('/').filter(Boolean) });
  }
  return routes;
}

function segmentRank(seg) {
  if (seg.startsWith('[[...')) return 3;
  if (seg.startsWith('[...')) return 2;
  if (seg.startsWith('[')) return 1;
  return 0;
}

function matchSegments(routeSegs, urlSegs) {
  // returns the rank vector when the route matches, else null
  const ranks = [];
  for (let i = 0; i < routeSegs.length; i++) {
    const seg = routeSegs[i];
    const rank = segmentRank(seg);
    ranks.push(rank);
    if (rank === 3) return i === routeSegs.length - 1 && urlSegs.length >= i ? ranks : null;
    if (rank === 2) return i === routeSegs.length - 1 && urlSegs.length > i ? ranks : null;
    if (i >= urlSegs.length) return null;
    if (rank === 0) {
      let decoded = urlSegs[i];
      try {
        decoded = decodeURIComponent(urlSegs[i]);
      } catch {
        /* keep raw */
      }
      if (decoded !== seg) return null;
    }
  }
  return urlSegs.length === routeSegs.length ? ranks : null;
}

function resolveRoute(routes, urlPath) {
  const segs = urlPath.split('?')[0].split('/').filter(Boolean);
  let best = null;
  for (const r of routes) {
    const ranks = matchSegments(r.segments, segs);
    if (!ranks) continue;
    if (!best) {
      best = { r, ranks };
      continue;
    }
    const n = Math.max(ranks.length, best.ranks.length);
    for (let i = 0; i < n; i++) {
      const a = ranks[i] ?? -1;
      const b = best.ranks[i] ?? -1;
      if (a !== b) {
        if (a < b) best = { r, ranks };
        break;
      }
    }
  }
  return best?.r ?? null;
}

// ---------------------------------------------------------------------------------------------
// request matrix (fixtures/<app>/requests.json)

function loadMatrix(appDir) {
  const file = path.join(appDir, 'requests.json');
  if (!fs.existsSync(file)) throw new Fatal(`${file} is missing`);
  let spec;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Fatal(`${file}: ${e.message}`);
  }
  if (Array.isArray(spec)) spec = { requests: spec };
  const gen = spec.generated ?? {};
  const methods = gen.methods ?? DEFAULT_METHODS;
  const exotic = gen.exoticMethods ?? DEFAULT_EXOTIC_METHODS;
  const bodyMethods = gen.bodyMethods ?? DEFAULT_BODY_METHODS;
  const genBody = gen.body === undefined ? { probe: 1 } : gen.body;
  const requests = [];
  for (const route of spec.routes ?? []) {
    const r = typeof route === 'string' ? { path: route } : route;
    const ms = [...(r.methods ?? methods), ...(r.exotic ? exotic : [])];
    for (const method of ms) {
      const body = r.body === undefined ? genBody : r.body;
      const entry = { id: `gen:${method}:${r.path}`, method, path: r.path, generated: true };
      if (r.headers) entry.headers = r.headers;
      if (bodyMethods.includes(method) && body !== null) {
        entry.body = body;
        if (r.contentType) entry.contentType = r.contentType;
      }
      requests.push(entry);
    }
  }
  for (const r of spec.requests ?? []) requests.push({ method: 'GET', ...r });
  const seen = new Set();
  for (const r of requests) {
    if (!r.id || !r.path || !r.path.startsWith('/')) throw new Fatal(`${file}: every request needs an "id" and a "path" starting with "/": ${JSON.stringify(r)}`);
    if (seen.has(r.id)) throw new Fatal(`${file}: duplicate request id ${r.id}`);
    seen.add(r.id);
  }
  return { spec, requests };
}

function buildQuery(q) {
  if (q === undefined || q === null) return '';
  if (typeof q === 'string') return q.replace(/^\?/, '');
  const pairs = Array.isArray(q) ? q : Object.entries(q).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]));
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
}

function requestTarget(r) {
  const q = buildQuery(r.query);
  if (!q) return r.path;
  return r.path.includes('?') ? `${r.path}&${q}` : `${r.path}?${q}`;
}

function cookieHeader(c) {
  if (c === undefined || c === null) return undefined;
  if (typeof c === 'string') return c;
  const pairs = Array.isArray(c) ? c : Object.entries(c);
  return pairs.map(([k, v]) => `${k}=${v}`).join('; ');
}

function describeRequest(r) {
  const bits = [`${r.method} ${requestTarget(r)}`];
  if (r.contentType) bits.push(`content-type: ${r.contentType}`);
  if (r.cookies !== undefined) bits.push(`cookie: ${cookieHeader(r.cookies)}`);
  for (const [k, v] of Object.entries(r.headers ?? {})) bits.push(`${k}: ${v}`);
  if (r.chunked) bits.push('transfer-encoding: chunked');
  if (r.bodyBase64 !== undefined) bits.push(`body(base64): ${r.bodyBase64}`);
  else if (r.bodySize !== undefined) bits.push(`body: ${r.bodySize} × ${JSON.stringify(r.bodyChar ?? 'a')}`);
  else if (r.body !== undefined) bits.push(`body: ${clip(typeof r.body === 'string' ? JSON.stringify(r.body) : JSON.stringify(r.body), 120)}`);
  return bits.join('  ');
}

// ---------------------------------------------------------------------------------------------
// HTTP with node:http (any method token, raw bodies, exact headers, no redirect following)

function send(port, r) {
  return new Promise((resolve) => {
    const headers = { host: DEFAULT_HOST_HEADER };
    let body = null;
    if (r.bodyBase64 !== undefined) body = Buffer.from(r.bodyBase64, 'base64');
    else if (r.bodySize !== undefined) body = Buffer.alloc(r.bodySize, r.bodyChar ?? 'a');
    else if (r.body !== undefined && r.body !== null) body = Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), 'utf8');
    if (r.contentType !== undefined) headers['content-type'] = r.contentType;
    else if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') headers['content-type'] = 'application/json';
    if (body && !r.chunked) headers['content-length'] = String(body.length);
    const cookie = cookieHeader(r.cookies);
    if (cookie !== undefined) headers.cookie = cookie;
    for (const [k, v] of Object.entries(r.headers ?? {})) {
      if (v === null) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = http.request(
      { host: '127.0.0.1', port, method: r.method, path: requestTarget(r), headers, agent: false },
      (res) => {
        const chunks = [];
        // Arrival time of each chunk (ms since the request was sent), for `stream` requests.
        const arrivals = [];
        res.on('data', (c) => {
          chunks.push(c);
          arrivals.push({ at: Date.now() - sentAt, text: c.toString('utf8') });
        });
        res.on('end', () => finish({ status: res.statusCode, statusText: res.statusMessage, rawHeaders: res.headers, body: Buffer.concat(chunks), arrivals, endedAt: Date.now() - sentAt }));
        res.on('error', (e) => finish({ error: `response error: ${e.message}` }));
      },
    );
    // `hangs` requests expect no answer at all: they get a short timeout of their own.
    const timeoutMs = r.hangs ? r.timeoutMs ?? HANG_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
    const sentAt = Date.now();
    const timer = setTimeout(() => {
      finish(r.hangs ? { hung: true } : { error: `no answer within ${timeoutMs / 1000}s` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish({ error: `request error: ${e.code ?? ''} ${e.message}`.trim() }));
    if (body && r.chunked) {
      // no content-length: Transfer-Encoding: chunked, in two chunks
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else if (body) req.end(body);
    else req.end();
  });
}

function decodeBody(buf) {
  try {
    return { encoding: 'utf8', text: new TextDecoder('utf-8', { fatal: true }).decode(buf) };
  } catch {
    return { encoding: 'base64', text: buf.toString('base64') };
  }
}

function htmlText(html) {
  // Next's own HTML pages (404, 500) embed the build id and chunk names: compare what a person sees.
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

// Chunks that arrive within this many ms of the previous one belong to one burst (TCP may split or
// join writes made together; writes separated by a delay arrive apart).
const BURST_GAP_MS = 100;

function bursts(arrivals) {
  const out = [];
  let last = -Infinity;
  for (const a of arrivals) {
    if (a.at - last > BURST_GAP_MS || !out.length) out.push({ at: a.at, text: a.text });
    else out[out.length - 1].text += a.text;
    last = a.at;
  }
  return out;
}

// What legitimately differs between two servers answering the same request, when a request asks
// for it with "normalise": ["cookie-values", "dates"]. "cookie-values": the value of every
// Set-Cookie that sets one (a refreshed next-auth JWE has fresh random bytes) becomes <value>; a
// cleared cookie (empty value) stays as it is, and names and attributes are still compared.
// "dates": Expires=<HTTP date> in Set-Cookie and ISO 8601 timestamps in the body (a sliding
// session's new expiry) become <date>, and the ETag of such a body is only checked for presence.
const ISO_DATE = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;
function normaliseCookie(cookie, what) {
  let c = cookie;
  if (what.includes('cookie-values')) c = c.replace(/^([^=;]+)=([^;]+)/, '$1=<value>');
  if (what.includes('dates')) c = c.replace(/(;\s*Expires=)[^;]+/i, '$1<date>');
  return c;
}

function record(raw, port, r = {}) {
  const normalise = r.normalise ?? [];
  if (raw.hung) return { hung: true };
  if (raw.error) return { error: raw.error };
  const portRe = new RegExp(`(127\\.0\\.0\\.1|localhost):${port}\\b`, 'g');
  const norm = (s) => String(s).replace(portRe, '$1:<port>');
  const headers = {};
  for (const [name, value] of Object.entries(raw.rawHeaders)) {
    if (RECORDED_HEADERS.includes(name) || name.startsWith('x-') || name.startsWith('access-control-')) {
      headers[name] = Array.isArray(value) ? value.map(norm) : norm(value);
    }
  }
  let body = decodeBody(raw.body);
  // Only Next's own pages (they load /_next/ chunks and embed the build id) are reduced to text.
  const isNextPage = /^text\/html/i.test(headers['content-type'] ?? '') && body.encoding === 'utf8' && /<html[\s>]/i.test(body.text) && body.text.includes('/_next/');
  if (isNextPage) {
    body = { encoding: 'html-text', text: htmlText(body.text) };
    if (headers.etag) headers.etag = '<etag of a Next.js HTML page>';
  } else if (body.encoding === 'utf8') {
    body.text = norm(body.text);
    if (normalise.includes('dates') && ISO_DATE.test(body.text)) {
      body.text = body.text.replace(ISO_DATE, '<date>');
      // the ETag hashes the body, dates included: only its presence is compared
      if (headers.etag) headers.etag = '<etag of a body with dates>';
    }
  }
  if (headers['set-cookie'] && normalise.length) {
    headers['set-cookie'] = [headers['set-cookie']].flat().map((c) => normaliseCookie(c, normalise));
  }
  const out = { status: raw.status, statusText: raw.statusText, headers, body };
  if (r.stream) {
    const b = bursts(raw.arrivals ?? []);
    out.bursts = b.map((x) => x.text);
    out.firstChunkAt = b.length ? b[0].at : null;
    out.endedAt = raw.endedAt;
  }
  return out;
}

async function replay(label, port, requests) {
  const results = new Map();
  const started = Date.now();
  for (const r of requests) {
    results.set(r.id, record(await send(port, r), port, r));
  }
  log(`${label}: replayed ${requests.length} requests in ${secs(Date.now() - started)}`);
  return results;
}

// ---------------------------------------------------------------------------------------------
// next build / next start / tsc

function nextBin(tc) {
  return path.join(tc, 'node_modules', 'next', 'dist', 'bin', 'next');
}

async function nextBuild(tc, dir, label, workDir) {
  log(`${label}: next build`);
  const r = await run(process.execPath, [nextBin(tc), 'build'], { cwd: dir, env: nodeEnv({ NODE_ENV: 'production' }) });
  fs.writeFileSync(path.join(workDir, `${label}.build.log`), r.output);
  if (r.error || r.status !== 0) throw new Fatal(`${label}: next build failed (exit ${r.status ?? r.error?.message}):\n${tail(r.output, 60)}`);
  log(`${label}: built in ${secs(r.ms)}`);
}

async function typecheck(tc, dir, label, workDir, failures) {
  const tsc = path.join(tc, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await run(process.execPath, [tsc, '--noEmit', '-p', dir], { cwd: dir, env: nodeEnv() });
  fs.writeFileSync(path.join(workDir, `${label}.tsc.log`), r.output);
  if (r.error || r.status !== 0) {
    failures.push({ kind: 'tsc', text: `${label}: tsc --noEmit -p ${label} failed (exit ${r.status ?? r.error?.message}):\n${tail(r.output, 60)}` });
    log(`${label}: tsc --noEmit FAILED`);
  } else {
    log(`${label}: tsc --noEmit passed in ${secs(r.ms)}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function probe(port) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: '/', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function startServer(tc, dir, label, workDir) {
  const port = await freePort();
  const logFile = path.join(workDir, `${label}.server.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [nextBin(tc), 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: dir,
    env: nodeEnv({ NODE_ENV: 'production' }),
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  liveGroups.add(child.pid);
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    liveGroups.delete(child.pid);
    resolve();
  }));
  const stop = async () => {
    if (exited) return;
    killGroup(child.pid, 'SIGTERM');
    const t = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
    await exitPromise;
    clearTimeout(t);
    killGroup(child.pid, 'SIGKILL'); // stragglers in the group
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await probe(port))) {
    if (exited) throw new Fatal(`${label}: next start exited (${exited.code ?? exited.signal}) before it was ready:\n${tail(fs.readFileSync(logFile, 'utf8'))}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Fatal(`${label}: next start was not ready within ${READY_TIMEOUT_MS / 1000}s:\n${tail(fs.readFileSync(logFile, 'utf8'))}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`${label}: next start ready on 127.0.0.1:${port} (pid ${child.pid})`);
  return { port, stop };
}

async function serveAndReplay(tc, dir, label, workDir, requests) {
  const server = await startServer(tc, dir, label, workDir);
  try {
    return await replay(label, server.port, requests);
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// migration report

async function runMigration(dir, workDir, failures) {
  log(`migrated: ${BIN} migrate --json <copy>`);
  if (!fs.existsSync(BIN)) throw new Fatal(`--bin ${BIN} does not exist (build the crate first)`);
  const r = await run(BIN, ['migrate', '--json', dir], { cwd: dir, timeout: 300_000 });
  fs.writeFileSync(path.join(workDir, 'migration-report.json'), r.stdout ?? '');
  if (r.stderr?.trim()) fs.writeFileSync(path.join(workDir, 'migration.stderr.log'), r.stderr);
  if (r.error) throw new Fatal(`pages2app migrate could not run: ${r.error.message}`);
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch (e) {
    throw new Fatal(`pages2app migrate --json did not print a JSON report (exit ${r.status}, ${e.message}):\nstdout:\n${tail(r.stdout)}\nstderr:\n${tail(r.stderr)}`);
  }
  if (!report || !Array.isArray(report.files)) throw new Fatal(`the migration report has no "files" array:\n${tail(r.stdout)}`);
  // 0: everything migrated; 1: some files were left for manual work (reported). Anything else is a crash.
  if (r.status !== 0 && r.status !== 1) {
    failures.push({ kind: 'migrate', text: `pages2app migrate exited with ${r.status ?? r.signal}:\n${tail(r.stderr)}` });
  }
  log(`migrated: report with ${report.files.length} files (exit ${r.status}) in ${secs(r.ms)}`);
  for (const f of report.files) {
    const codes = (f.diagnostics ?? []).map((d) => d.code);
    console.log(`    ${f.source} -> ${f.target ?? '(left in place)'} [${f.status}]${codes.length ? ` ${codes.join(' ')}` : ''}`);
  }
  return report;
}

function diagnosticsByRoute(report) {
  const map = new Map();
  for (const f of report?.files ?? []) {
    const key = routePatternOfSource(f.source ?? '') ?? f.url;
    if (!key) continue;
    const set = map.get(key) ?? new Set();
    for (const d of f.diagnostics ?? []) set.add(d.code);
    map.set(key, set);
  }
  return map;
}

function checkMigratedTree(spec, original, migrated, routes, report, failures) {
  const untouched = new Set(spec.expectUntouched ?? []);
  for (const f of report.files) {
    const rel = posix(path.isAbsolute(f.source ?? '') ? path.relative(migrated, f.source) : f.source ?? '');
    if (f.status === 'error') {
      failures.push({ kind: 'migrate', text: `the report says ${rel}: error (${(f.diagnostics ?? []).map((d) => `${d.code} ${d.message}`).join('; ')})` });
    } else if (untouched.has(rel) && f.status !== 'manual') {
      failures.push({ kind: 'migrate', text: `${rel} should be reported as manual, the report says ${f.status}` });
    }
  }
  for (const rel of untouched) {
    const a = path.join(original, rel);
    const b = path.join(migrated, rel);
    if (!fs.existsSync(a)) {
      failures.push({ kind: 'fixture', text: `requests.json expectUntouched names ${rel}, which the app does not have` });
    } else if (!fs.existsSync(b) || !fs.readFileSync(a).equals(fs.readFileSync(b))) {
      failures.push({ kind: 'migrate', text: `${rel} should have been reported and left untouched, but it was changed or removed` });
    }
  }
  for (const r of routes) {
    if (untouched.has(r.source)) continue;
    if (fs.existsSync(path.join(migrated, r.source))) {
      failures.push({ kind: 'migrate', text: `${r.source} (${r.pattern}) was expected to be migrated but is still in pages/` });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// checks of the original answers (the fixture must answer every request, and as documented)

function checkOriginal(requests, results, failures) {
  for (const r of requests) {
    const got = results.get(r.id);
    const where = `[${r.id}] ${describeRequest(r)}`;
    if (r.hangs) {
      if (!got.hung) failures.push({ kind: 'fixture', text: `original app answered ${where}, which the matrix says hangs` });
      continue;
    }
    if (got.error) {
      failures.push({ kind: 'fixture', text: `original app did not answer ${where}: ${got.error} (every route must always respond)` });
      continue;
    }
    const e = r.expect ?? {};
    if (e.status === undefined && got.status >= 500) {
      failures.push({ kind: 'fixture', text: `original app answered ${got.status} to ${where} (a fixture bug unless "expect": {"status": ${got.status}})` });
    }
    const problems = [];
    if (e.status !== undefined && got.status !== e.status) problems.push(`status ${got.status}, expected ${e.status}`);
    if (e.statusText !== undefined && got.statusText !== e.statusText) problems.push(`status text ${JSON.stringify(got.statusText)}, expected ${JSON.stringify(e.statusText)}`);
    if (e.body !== undefined && got.body.text !== e.body) problems.push(`body ${JSON.stringify(clip(got.body.text, 200))}, expected ${JSON.stringify(e.body)}`);
    if (e.bodyIncludes !== undefined && !got.body.text.includes(e.bodyIncludes)) problems.push(`body ${JSON.stringify(clip(got.body.text, 200))} does not include ${JSON.stringify(e.bodyIncludes)}`);
    for (const [name, want] of Object.entries(e.headers ?? {})) {
      const have = got.headers[name.toLowerCase()];
      if (want === null ? have !== undefined : JSON.stringify(have) !== JSON.stringify(want)) problems.push(`header ${name}: ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
    }
    if (problems.length) failures.push({ kind: 'fixture', text: `original app: ${where}: ${problems.join('; ')}` });
  }
}

// ---------------------------------------------------------------------------------------------
// comparison

function clip(s, n = 400) {
  s = String(s ?? '');
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

function sameJsonIgnoringKeyOrder(a, b) {
  const canon = (v) => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
  try {
    return JSON.stringify(canon(JSON.parse(a))) === JSON.stringify(canon(JSON.parse(b)));
  } catch {
    return false;
  }
}

function diff(a, b, { nextOwnPage = false } = {}) {
  if (a.hung || b.hung) {
    if (a.hung && b.hung) return [];
    return [{ field: 'answer', expected: a.hung ? 'no answer (the request stays open)' : `${a.status ?? a.error} answered`, got: b.hung ? 'no answer (the request stays open)' : b.error ?? `${b.status} answered` }];
  }
  if (a.error || b.error) {
    if (a.error === b.error) return [];
    return [{ field: 'answer', expected: a.error ?? `${a.status} answered`, got: b.error ?? `${b.status} answered` }];
  }
  const out = [];
  if (a.status !== b.status) out.push({ field: 'status', expected: a.status, got: b.status });
  if (a.statusText !== b.statusText) out.push({ field: 'statusText', expected: a.statusText, got: b.statusText });
  // A URL that no pages/api file serves gets Next's own 404/308 answer; once app/ exists that 404 is
  // the prerendered App Router /_not-found page, which adds x-nextjs-cache/x-nextjs-prerender.
  // Those two framework headers are not the migration's doing; everything else is still compared.
  const ignored = (n) => nextOwnPage && n.startsWith('x-nextjs-');
  const names = [...new Set([...Object.keys(a.headers), ...Object.keys(b.headers)])].filter((n) => !ignored(n)).sort();
  for (const n of names) {
    const x = a.headers[n];
    const y = b.headers[n];
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ field: `header:${n}`, expected: x ?? '(absent)', got: y ?? '(absent)' });
  }
  // Next's own HTML error page for such a URL is the Pages 404 before and the App Router not-found
  // page after (different punctuation and markup): only that it is an HTML page is compared.
  const bothNextHtml = nextOwnPage && a.body.encoding === 'html-text' && b.body.encoding === 'html-text';
  if (!bothNextHtml && (a.body.encoding !== b.body.encoding || a.body.text !== b.body.text)) {
    const keyOrderOnly = a.body.encoding === 'utf8' && b.body.encoding === 'utf8' && sameJsonIgnoringKeyOrder(a.body.text, b.body.text);
    out.push({
      field: 'body',
      expected: `${a.body.encoding === 'utf8' ? '' : `(${a.body.encoding}) `}${a.body.text === '' ? '(empty)' : a.body.text}`,
      got: `${b.body.encoding === 'utf8' ? '' : `(${b.body.encoding}) `}${b.body.text === '' ? '(empty)' : b.body.text}`,
      note: keyOrderOnly ? 'same JSON value, different key order' : undefined,
    });
  }
  if (a.bursts || b.bursts) {
    // Streaming: the same writes must arrive in the same bursts, in the same order.
    if (JSON.stringify(a.bursts) !== JSON.stringify(b.bursts)) out.push({ field: 'bursts', expected: a.bursts, got: b.bursts });
  }
  return out;
}

/** A `stream` request must deliver its first burst before the handler finished (`minSpreadMs` earlier). */
function checkStreaming(requests, results, label, failures) {
  for (const r of requests) {
    if (!r.stream) continue;
    const got = results.get(r.id);
    if (!got || got.error || got.hung) continue;
    const spread = got.endedAt - (got.firstChunkAt ?? got.endedAt);
    const want = r.minSpreadMs ?? 500;
    if (!(spread >= want)) failures.push({ kind: 'streaming', text: `${label}: [${r.id}] the first chunk arrived ${got.firstChunkAt} ms after the request, the end at ${got.endedAt} ms: the body was not streamed (want the first chunk ≥ ${want} ms before the end; bursts ${JSON.stringify(got.bursts)})` });
    else log(`${label}: [${r.id}] streamed: first chunk at ${got.firstChunkAt} ms, end at ${got.endedAt} ms, ${got.bursts.length} bursts`);
  }
}

function loadAllowList() {
  if (!fs.existsSync(ALLOW_FILE)) return [];
  let data;
  try {
    data = JSON.parse(fs.readFileSync(ALLOW_FILE, 'utf8'));
  } catch (e) {
    throw new Fatal(`${ALLOW_FILE}: ${e.message}`);
  }
  const list = Array.isArray(data) ? data : data.allow ?? [];
  for (const [i, e] of list.entries()) {
    if (!e.diagnostic || !e.field || !e.why) throw new Fatal(`${ALLOW_FILE}: entry ${i} needs "field", "diagnostic" and "why": ${JSON.stringify(e)}`);
    e.index = i;
    e.used = 0;
  }
  return list.filter((e) => globMatch(e.app ?? '*', APP_NAME));
}

function requestMatches(entryRequest, r) {
  if (entryRequest === undefined || entryRequest === '*') return true;
  if (typeof entryRequest === 'string') return globMatch(entryRequest, r.id);
  // an object: each key is a glob on that field of the matrix entry (method, path, id, contentType, ...)
  return Object.entries(entryRequest).every(([k, v]) => globMatch(v, k === 'target' ? requestTarget(r) : typeof r[k] === 'object' ? JSON.stringify(r[k]) : r[k]));
}

function findAllowance(allow, route, r, d, codesForRoute) {
  const candidates = allow.filter((e) => globMatch(e.route ?? '*', route ?? '(no route)') && requestMatches(e.request, r) && globMatch(e.field, d.field));
  const granted = candidates.find((e) => codesForRoute?.has(e.diagnostic));
  if (granted) {
    granted.used++;
    return { granted };
  }
  return { missingDiagnostic: candidates[0] };
}

function show(v) {
  return clip(typeof v === 'string' ? v : JSON.stringify(v), 600).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

function compareAll(requests, origResults, migResults, routes, report, allow, failures) {
  const codes = diagnosticsByRoute(report);
  let allowed = 0;
  let compared = 0;
  // route → signature of one difference → { d, requests, missing, granted }
  const failing = new Map();
  const allowedGroups = new Map();
  for (const r of requests) {
    compared++;
    const served = resolveRoute(routes, r.path);
    const route = served?.pattern ?? '(no route file)';
    const diffs = diff(origResults.get(r.id), migResults.get(r.id), { nextOwnPage: !served });
    if (!diffs.length) continue;
    let requestFailed = false;
    for (const d of diffs) {
      const { granted, missingDiagnostic } = findAllowance(allow, route, r, d, codes.get(route));
      const key = JSON.stringify([d.field, d.expected, d.got, d.note ?? '']);
      const target = granted ? allowedGroups : failing;
      if (!target.has(route)) target.set(route, new Map());
      const groups = target.get(route);
      if (!groups.has(key)) groups.set(key, { d, requests: [], missing: missingDiagnostic, granted });
      groups.get(key).requests.push(r);
      if (granted) allowed++;
      else requestFailed = true;
    }
    if (requestFailed) failures.push({ kind: 'difference', text: `${route} [${r.id}]` });
  }
  const printGroups = (mark, byRoute) => {
    for (const [route, groups] of byRoute) {
      const n = new Set([...groups.values()].flatMap((g) => g.requests.map((r) => r.id))).size;
      console.log(`\n${mark} ${route}  (${n} request${n === 1 ? '' : 's'}; codes in the report: ${[...(codes.get(route) ?? [])].join(' ') || 'none'})`);
      for (const g of groups.values()) {
        console.log(`    ${g.d.field}${g.d.note ? ` (${g.d.note})` : ''}${g.granted ? `  [allowed by ${g.granted.diagnostic}: ${g.granted.why}]` : ''}`);
        console.log(`      expected (original): ${show(g.d.expected)}`);
        console.log(`      got (migrated):      ${show(g.d.got)}`);
        const shown = g.requests.slice(0, 4);
        for (const r of shown) console.log(`      in [${r.id}] ${describeRequest(r)}`);
        if (g.requests.length > shown.length) console.log(`      and ${g.requests.length - shown.length} more: ${g.requests.slice(shown.length).map((r) => r.id).join(', ')}`);
        if (g.missing) console.log(`      allow.json entry #${g.missing.index} would allow this, but the report has no ${g.missing.diagnostic} for ${route}`);
      }
    }
  };
  if (args.verbose) printGroups('~ allowed:', allowedGroups);
  printGroups('✗', failing);
  return { compared, allowed };
}

function printAnswers(requests, results, label) {
  for (const r of requests) {
    const x = results.get(r.id);
    if (x.hung) {
      console.log(`  ${label} [${r.id}] ${r.method} ${requestTarget(r)} -> no answer (stays open, as expected)`);
      continue;
    }
    if (x.error) {
      console.log(`  ${label} [${r.id}] ${r.method} ${requestTarget(r)} -> ERROR ${x.error}`);
      continue;
    }
    const hs = Object.entries(x.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' | ') : v}`).join('; ');
    console.log(`  ${label} [${r.id}] ${r.method} ${requestTarget(r)} -> ${x.status} ${x.statusText} {${hs}} ${x.body.encoding === 'utf8' ? '' : `(${x.body.encoding}) `}${clip(x.body.text, 160).replace(/\r/g, '\\r').replace(/\n/g, '\\n')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  const failures = [];
  let summary = { compared: 0, allowed: 0 };
  let workDir = null;
  let keep = args.keep;
  let requestCount = 0;
  try {
    const { spec, requests: allRequests } = loadMatrix(APP_SRC);
    const requests = args.filter ? allRequests.filter((r) => r.id.includes(args.filter) || r.path.includes(args.filter)) : allRequests;
    requestCount = requests.length;
    const allow = loadAllowList();
    const tc = ensureToolchain();
    fs.mkdirSync(path.join(tc, 'runs'), { recursive: true });
    workDir = fs.mkdtempSync(path.join(tc, 'runs', `${APP_NAME}-`));
    const original = path.join(workDir, 'original');
    const migrated = path.join(workDir, 'migrated');
    log(`${APP_NAME}: ${requests.length} requests; work dir ${workDir}`);

    copyApp(APP_SRC, original);
    const routes = scanRoutes(original);
    for (const r of requests) {
      if (!resolveRoute(routes, r.path) && !(r.expect?.status === 404 || r.expect?.status === 308)) {
        failures.push({ kind: 'fixture', text: `request ${r.id} (${r.path}) matches no pages/api route (add "expect": {"status": 404} if that is the point)` });
      }
    }

    let report = null;
    if (!ORIGINAL_ONLY) {
      copyApp(APP_SRC, migrated);
      report = await runMigration(migrated, workDir, failures);
      checkMigratedTree(spec, original, migrated, routes, report, failures);
    }

    await nextBuild(tc, original, 'original', workDir);
    await typecheck(tc, original, 'original', workDir, failures);
    const origResults = await serveAndReplay(tc, original, 'original', workDir, requests);
    checkOriginal(requests, origResults, failures);
    checkStreaming(requests, origResults, 'original', failures);
    if (args.verbose || ORIGINAL_ONLY) printAnswers(requests, origResults, 'original');

    let migResults = null;
    if (!ORIGINAL_ONLY) {
      await nextBuild(tc, migrated, 'migrated', workDir);
      await typecheck(tc, migrated, 'migrated', workDir, failures);
      migResults = await serveAndReplay(tc, migrated, 'migrated', workDir, requests);
      if (args.verbose) printAnswers(requests, migResults, 'migrated');
      checkStreaming(requests, migResults, 'migrated', failures);
      summary = compareAll(requests, origResults, migResults, routes, report, allow, failures);
      const unused = allow.filter((e) => !e.used);
      if (unused.length && !args.filter) {
        console.log(`\nnote: ${unused.length} allow.json entries matched nothing in ${APP_NAME}: ${unused.map((e) => `#${e.index}`).join(' ')}`);
      }
    }

    const dump = {
      app: APP_NAME,
      requests: requests.map((r) => ({ ...r, route: resolveRoute(routes, r.path)?.pattern ?? null, original: origResults.get(r.id), migrated: migResults?.get(r.id) })),
      report,
      failures,
    };
    fs.writeFileSync(path.join(workDir, 'results.json'), JSON.stringify(dump, null, 2));
  } catch (e) {
    if (e instanceof Fatal) failures.push({ kind: 'fatal', text: e.message });
    else failures.push({ kind: 'fatal', text: e.stack ?? String(e) });
  } finally {
    killAllSync();
    if (workDir && !keep) fs.rmSync(workDir, { recursive: true, force: true });
  }

  const nonDiff = failures.filter((f) => f.kind !== 'difference');
  if (nonDiff.length) {
    console.log('');
    for (const f of nonDiff) console.log(`✗ ${f.kind}: ${f.text}`);
  }
  if (workDir && keep) console.log(`\nwork dir kept: ${workDir}`);
  else if (failures.length) console.log('\n(re-run with --keep to inspect the app copies, logs and results.json)');
  const wall = secs(Date.now() - T0);
  if (ORIGINAL_ONLY) {
    console.log(`\n${APP_NAME}: ${requestCount} requests answered by the original app only (no comparison), ${failures.length} failures, wall time ${wall}`);
  } else {
    console.log(`\n${APP_NAME}: ${summary.compared} requests compared, ${summary.allowed} allowed differences, ${failures.length} failures, wall time ${wall}`);
  }
  process.exitCode = failures.length ? 1 : 0;
}

await main();
