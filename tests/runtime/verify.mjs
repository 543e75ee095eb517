#!/usr/bin/env node
// Proves src/runtime/compat.{ts,js} against a real next 16.4.6 server.
//
//   node tests/runtime/verify.mjs [--keep] [--verbose]
//
// 1. Toolchain: the one pinned by tests/toolchain/package-lock.json, shared with the behavioural
//    suite, installed once by tests/toolchain/toolchain.mjs into $CARGO_TARGET_DIR (or
//    target)/test-toolchain/<hash>/ (reused while the lockfile is unchanged).
// 2. Static checks: compat.ts and compat.js have the same marker blocks, requires and exports, and
//    the same code once TypeScript types are erased (both printed by the TypeScript printer).
// 3. Offline differential checks: compat.js against Next's own compiled modules (parseBody, cookie,
//    generateETag, fresh, searchParamsToUrlQuery) over many inputs.
// 4. A scratch app (a temp dir under the toolchain dir: Turbopack does not follow a symlinked
//    node_modules out of its root, "Could not find the Next.js package"): Pages API routes
//    pages/api/x/... and App Router twins app/(t)/t/x/.../route.ts using the helpers;
//    one extracted-closure file per helper (each must type-check alone); `next build`,
//    `tsc --noEmit` (strict), tsc with the pickiest flags (lib es2022+dom, no dom.iterable) on
//    compat.ts and each extract, `next start`.
// 5. The same raw HTTP request (node:http) to /api/x/... and /t/x/...: status, reason phrase,
//    content-type, location, set-cookie, etag, allow, cache-control, x-* headers and body bytes
//    must be identical. Then the measured facts about Route Handlers that the README cites.
// Exits non-zero with a readable diff on any mismatch. The server is always killed.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { Readable } from 'node:stream'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { ensureToolchain } from '../toolchain/toolchain.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const runtimeDir = path.join(root, 'src/runtime')
const keep = process.argv.includes('--keep')
const verbose = process.argv.includes('--verbose')
const started = Date.now()
const failures = []
let checks = 0
const log = (...a) => console.log(...a)
const fail = (what, detail) => {
  failures.push(what)
  console.log(`FAIL ${what}${detail ? '\n' + detail.replace(/^/gm, '    ') : ''}`)
}
const check = (ok, what, detail) => {
  checks++
  if (!ok) fail(what, typeof detail === 'function' ? detail() : detail)
  return ok
}
const show = (v) => (v === undefined ? 'undefined' : JSON.stringify(v))

// ---------------------------------------------------------------- 1. toolchain
const toolchain = () => ensureToolchain({ log })

// ---------------------------------------------------------------- 2. static checks
const MARK = /^\/\/ @pages2app-helper (\S+)(?: requires=(\S+))?$/
const MARK_END = /^\/\/ @pages2app-helper-end (\S+)$/

function parseBlocks(text, file) {
  const blocks = []
  let open = null
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    const m = MARK.exec(line)
    const e = MARK_END.exec(line)
    if (m) {
      check(!open, `${file}:${i + 1}: block ${m[1]} opens inside ${open?.name}`)
      open = { name: m[1], requires: m[2] ? m[2].split(',') : [], start: i, lines: [line] }
    } else if (e) {
      check(open && open.name === e[1], `${file}:${i + 1}: end marker ${e[1]} does not close ${open?.name}`)
      if (open) {
        open.lines.push(line)
        blocks.push({ ...open, text: open.lines.join('\n') + '\n' })
      }
      open = null
    } else if (open) open.lines.push(line)
    else if (line.startsWith('// @pages2app')) fail(`${file}:${i + 1}: malformed marker: ${line}`)
  })
  check(!open, `${file}: block ${open?.name} never closed`)
  const preamble = lines.slice(0, blocks[0]?.start ?? 0).join('\n') + '\n'
  return { preamble, blocks }
}

/** The same selection rule as src/runtime.rs `assemble`: wanted + requires (transitively), in file order. */
function assemble({ preamble, blocks }, wanted) {
  const inc = new Set()
  const stack = [...wanted]
  while (stack.length) {
    const n = stack.pop()
    const b = blocks.find((x) => x.name === n)
    if (b && !inc.has(n)) {
      inc.add(n)
      stack.push(...b.requires)
    }
  }
  return preamble + blocks.filter((b) => inc.has(b.name)).map((b) => b.text).join('')
}

const PUBLIC = ['query', 'body', 'rawBody', 'cookies', 'headers', 'url', 'setHeader', 'json', 'send', 'end', 'redirect', 'withHeaders', 'connect']

function staticChecks(tc) {
  const ts = fs.readFileSync(path.join(runtimeDir, 'compat.ts'), 'utf8')
  const js = fs.readFileSync(path.join(runtimeDir, 'compat.js'), 'utf8')
  const T = parseBlocks(ts, 'compat.ts')
  const J = parseBlocks(js, 'compat.js')
  const sig = (B) => B.blocks.map((b) => `${b.name} requires=${b.requires.join(',')}`)
  check(show(sig(T)) === show(sig(J)), 'compat.ts and compat.js have the same blocks in the same order', () => `ts: ${sig(T).join(' | ')}\njs: ${sig(J).join(' | ')}`)
  check(ts.split('\n').length === js.split('\n').length, 'compat.ts and compat.js have the same number of lines')
  for (const B of [T, J]) {
    const names = new Set(B.blocks.map((b) => b.name))
    for (const b of B.blocks) for (const r of b.requires) check(names.has(r), `block ${b.name} requires unknown block ${r}`)
    for (const p of PUBLIC) check(names.has(p), `public helper ${p} has a block`)
    for (const b of B.blocks) {
      const exported = [...b.text.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1])
      for (const e of exported) check(e === b.name, `exported function ${e} sits in its own block (found in ${b.name})`)
      check(b.lines.length > 2, `block ${b.name} is not empty`)
    }
    check(B.preamble.split('\n').every((l) => l === '' || l.startsWith('//')), 'the preamble holds only comments')
  }
  // Same logic: erase the types of compat.ts and print both through the TypeScript printer.
  const ts_ = createRequire(path.join(tc, 'package.json'))('typescript')
  const norm = (src) =>
    ts_
      .transpileModule(src, { compilerOptions: { target: ts_.ScriptTarget.ESNext, module: ts_.ModuleKind.ESNext, removeComments: true, verbatimModuleSyntax: false } })
      .outputText.split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
  const a = norm(ts)
  const b = norm(js)
  const firstDiff = a.findIndex((l, i) => l !== b[i])
  check(firstDiff === -1 && a.length === b.length, 'compat.js equals compat.ts with the types erased', () => `first difference at statement line ${firstDiff}:\n ts: ${a[firstDiff]}\n js: ${b[firstDiff]}`)
  return { T, J }
}

// ---------------------------------------------------------------- 3. offline differential checks
async function offlineChecks(tc, J) {
  // The helpers without the adapter's blocks: those import `next/*`, which plain Node ESM cannot
  // resolve outside a Next build (the adapter is checked on the server, by tests/behaviour).
  const copy = path.join(tc, 'offline-compat.mjs')
  fs.writeFileSync(copy, assemble(J, PUBLIC))
  const compat = await import(pathToFileURL(copy).href)
  const req = createRequire(path.join(tc, 'node_modules/next/package.json'))
  const { parseBody } = req('next/dist/server/api-utils/node/parse-body.js')
  const { generateETag } = req('next/dist/server/lib/etag.js')
  const fresh = req('next/dist/compiled/fresh')
  const cookie = req('next/dist/compiled/cookie')
  const { searchParamsToUrlQuery } = req('next/dist/shared/lib/router/utils/querystring.js')

  // parseBody: content types, charsets, limits
  const bodies = [
    [undefined, ''],
    [undefined, 'plain words'],
    ['application/json', '{"a":1,"b":[true,null,"é"]}'],
    ['application/json', ''],
    ['application/json', '{a'],
    ['application/json', '  '],
    ['application/json', '"str"'],
    ['application/ld+json', '{"@id":"x"}'],
    ['APPLICATION/JSON; Charset=UTF-8', '[1,2]'],
    ['application/json; charset="utf-8"', '{"q":1}'],
    ['application/json;', '{"a":1}'],
    ['application/json; charset', '{"a":1}'],
    ['application/json ; charset=utf-8', '{"a":1}'],
    ['application/json;charset=utf-8;', '{"a":1}'],
    ['application/json; a="b\\"c"; charset=utf-8', '{"a":1}'],
    ['text/json', '{"a":1}'],
    ['application/vnd.api+json', '{"a":1}'],
    ['application/x-www-form-urlencoded', 'a=1&a=2&b[c]=3&e=&f&%ZZ=1&+x=y+z&u=%E2%82%AC&__proto__=p&constructor=c'],
    ['application/x-www-form-urlencoded; charset=utf-8', ''],
    ['text/plain', 'hello'],
    ['text/plain; charset=utf-8', Buffer.from([0xef, 0xbb, 0xbf, 0x41, 0xff, 0xc3, 0x28, 0xe2, 0x82])],
    ['application/json', Buffer.from('\ufeff{"bom":true}')],
    ['multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XX--\r\n'],
    ['garbage', 'g'],
    ['', 'empty type'],
    ['text/plain; charset=foo', 'x'],
    ['application/json; charset=foo', '{}'],
  ]
  const charsets = ['utf-8', 'UTF8', 'utf_8', 'unicode-1-1-utf-8', 'utf-16le', 'UTF-16LE', 'ucs-2', 'ucs2', 'latin1', 'ISO-8859-1', 'iso_8859-1:1987', 'binary', 'base64', 'hex']
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
  for (const cs of charsets) bodies.push([`text/plain; charset=${cs}`, Buffer.concat([Buffer.from([0xff, 0xfe]), allBytes, Buffer.from('hé€😀', 'utf16le')])])
  for (const cs of charsets) bodies.push([`text/plain; charset=${cs}`, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('hé€😀'), Buffer.from([0x80])])])
  bodies.push(['application/json; charset=latin1', Buffer.from('{"a":"é"}', 'latin1')])
  bodies.push(['text/plain; charset=utf-16le', Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42])], ['text/plain; charset=koi8-r', allBytes], ['text/plain; charset=iso-8859-2', allBytes])
  const limits = [[undefined, 'x'.repeat(1024 * 1024)], [undefined, 'x'.repeat(1024 * 1024 + 1)], ['10b', '0123456789'], ['10b', '0123456789A'], [5, '123456'], ['1kb', 'y'.repeat(1025)], ['junk', 'z'.repeat(2048)], [0, 'zz']]
  const fakeReq = (ct, data) => {
    const chunks = data === '' ? [] : [Buffer.from(data)]
    const r = Readable.from(chunks, { objectMode: false })
    r.headers = ct === undefined ? {} : { 'content-type': ct }
    return r
  }
  const expected = async (ct, data, limit) => {
    try {
      const v = await parseBody(fakeReq(ct, data), limit || '1mb')
      return { ok: show(v), proto: v && typeof v === 'object' ? Object.getPrototypeOf(v) === null : undefined }
    } catch (e) {
      return { status: e.statusCode, message: e.message }
    }
  }
  const actual = async (ct, data, limit) => {
    const headers = ct === undefined ? {} : { 'content-type': ct }
    const r = new Request('http://x/api', { method: 'POST', headers, body: data === '' ? undefined : data })
    const v = await compat.body(r, limit === undefined ? undefined : { sizeLimit: limit })
    if (v instanceof Response) {
      const text = await v.text()
      return { status: v.status, message: text, statusText: v.statusText, ct: v.headers.get('content-type') }
    }
    return { ok: show(v), proto: v && typeof v === 'object' ? Object.getPrototypeOf(v) === null : undefined }
  }
  let n = 0
  for (const [ct, data] of bodies) {
    const e = await expected(ct, data)
    const a = await actual(ct, data)
    if (a.status) check(a.statusText === a.message && a.ct === null, `body error Response carries statusText and no content-type (${ct})`)
    delete a.statusText
    delete a.ct
    check(show(a) === show(e), `body() equals parseBody for content-type ${show(ct)} and ${show(String(data).slice(0, 40))}`, () => `pages: ${show(e)}\ncompat: ${show(a)}`)
    n++
  }
  for (const [limit, data] of limits) {
    const e = await expected('text/plain', data, limit)
    const a = await actual('text/plain', data, limit)
    delete a.statusText
    delete a.ct
    check(show({ ...a, ok: a.ok?.length }) === show({ ...e, ok: e.ok?.length }), `body() size limit ${show(limit)} with ${data.length} bytes`, () => `pages: ${show(e).slice(0, 200)}\ncompat: ${show(a).slice(0, 200)}`)
    n++
  }

  // ETag of res.send / res.json payloads
  const payloads = ['', 'hello', 'h€llo 😀', '\ud800', 'x'.repeat(70000), JSON.stringify({ a: [1, 2, 3] })]
  for (const p of payloads) {
    const r = compat.send(new Request('http://x/'), p)
    check(r.headers.get('etag') === generateETag(p), `ETag of ${show(p.slice(0, 20))}`, () => `${r.headers.get('etag')} vs ${generateETag(p)}`)
    n++
  }
  const buf = Buffer.from([0, 1, 2, 255])
  check(compat.send(new Request('http://x/'), buf).headers.get('etag') === generateETag(JSON.stringify(buf)), 'ETag of a Buffer is taken over JSON.stringify(buffer)')

  // fresh: If-None-Match / If-Modified-Since / Cache-Control matrix
  const etag = generateETag('hello')
  const inm = [undefined, etag, `W/${etag}`, '*', `"nope", ${etag}`, `"nope" ,${etag}`, `"a",,${etag}`, `  ${etag}  `, '"nope"', '', 'W/"nope"', etag.slice(1, -1)]
  const ims = [undefined, 'Wed, 21 Oct 2015 07:28:00 GMT', 'garbage']
  const cc = [undefined, 'no-cache', 'max-age=0', 'max-age=0, no-cache', 'no-cache=x']
  for (const a of inm) for (const b of ims) for (const c of cc) {
    const h = {}
    if (a !== undefined) h['if-none-match'] = a
    if (b !== undefined) h['if-modified-since'] = b
    if (c !== undefined) h['cache-control'] = c
    const want = fresh(h, { etag })
    const got = compat.send(new Request('http://x/', { headers: h }), 'hello').status === 304
    check(want === got, `304 decision for ${show(h)}`, () => `pages fresh=${want}, compat 304=${got}`)
    n++
  }

  // cookie.parse
  const cookieHeaders = ['a=1', 'a=1; a=2', 'a=1;a=2', 'b="q"', 'c=%E2%82%AC', 'd=%ZZ', 'e', 'f=', ' g = 3 ', 'h="unterminated', 'constructor=1; toString=2; __proto__=3', 'i=1;;j=2', '=k', 'l=a=b', 'm="a b"; n=%22x%22', 'a=1;  b=2', 'a=1 ;b=2']
  for (const c of cookieHeaders) {
    const got = compat.cookies(new Request('http://x/', { headers: { cookie: c } }))
    const want = cookie.parse(c)
    check(show(got) === show(want) && show(Object.keys(got)) === show(Object.keys(want)), `cookies(${show(c)})`, () => `pages ${show(want)}\ncompat ${show(got)}`)
    n++
  }
  check(show(compat.cookies(new Request('http://x/'))) === '{}', 'cookies() without a Cookie header is {}')

  // query from the search string
  const searches = ['', '?a=1', '?a=1&a=2&a=3', '?a', '?a=&b', '?=v', '?q=a+b%20c%2B', '?%ZZ=%zz', '?h=%C3', '?k[a]=1&k[b]=2', '?constructor=x&toString=y&__proto__=z&hasOwnProperty=1', '?a=1&b=2&a=3', '?1=a&0=b&z=c']
  for (const s of searches) {
    const got = compat.query(new Request('http://x/p' + s))
    const want = { ...searchParamsToUrlQuery(new URL('http://x/p' + s).searchParams) }
    check(show(got) === show(want), `query(${show(s)})`, () => `pages ${show(want)}\ncompat ${show(got)}`)
    n++
  }
  check(show(compat.query(new Request('http://x/p?id=q&a=1'), { id: '5', slug: undefined, rest: ['a', 'b'] })) === '{"id":"5","a":"1","rest":["a","b"]}', 'query() merges params over search params and skips undefined')
  return n
}

// ---------------------------------------------------------------- 4. scratch app
const PAGES_HEAD = `import type { NextApiRequest, NextApiResponse } from 'next'\n`
const ECHO = `res.json({ method: req.method, query: req.query, url: req.url, cookies: req.cookies, body: req.body, bodyType: typeof req.body })`
const ALL = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const exportAll = (fn, methods = ALL) => `export { ${methods.map((m) => `${fn} as ${m}`).join(', ')} }\n`

/** pages/api/x/<route>: twin at app/(t)/t/x/<route>/route.ts. */
function scratchFiles() {
  const f = {}
  // Test-only helper shared by the twins: Pages serves /api/x/..., the twin /t/x/...
  f['app/(t)/_twin.ts'] = `export const api = (u: string): string => u.replace(/^\\/t\\//, '/api/')\n`
  const twin = (route, body, { ctxType, imports = '' } = {}) => {
    const depth = route.split('/').length + 2 // t/x/<route...>
    const up = '../'.repeat(depth)
    const ctx = ctxType ? `, ctx: { params: Promise<${ctxType}> }` : ''
    return `import * as pages from '${up}_pages2app/compat'\nimport { api } from '${up}_twin'\n${imports}` +
      `async function handler(request: Request${ctx}): Promise<Response> {\n${body}\n}\n`
  }

  // --- request side: query / url / cookies / body, dynamic routes
  f['pages/api/x/echo/[id].ts'] = PAGES_HEAD + `export default function h(req: NextApiRequest, res: NextApiResponse) { ${ECHO} }\n`
  f['app/(t)/t/x/echo/[id]/route.ts'] =
    twin('echo/[id]', `  const params = await ctx.params
  const body = await pages.body(request)
  if (body instanceof Response) return body
  return pages.json(request, { method: request.method, query: pages.query(request, params), url: api(pages.url(request, ['id'])), cookies: pages.cookies(request), body, bodyType: typeof body })`, { ctxType: '{ id: string }' }) + exportAll('handler')
  f['pages/api/x/catch/[...slug].ts'] = PAGES_HEAD + `export default function h(req: NextApiRequest, res: NextApiResponse) { res.json({ query: req.query, url: req.url }) }\n`
  f['app/(t)/t/x/catch/[...slug]/route.ts'] =
    twin('catch/[...slug]', `  const params = await ctx.params
  return pages.json(request, { query: pages.query(request, params), url: api(pages.url(request, ['slug'])) })`, { ctxType: '{ slug: string[] }' }) + exportAll('handler', ['GET'])
  f['pages/api/x/opt/[[...slug]].ts'] = f['pages/api/x/catch/[...slug].ts']
  f['app/(t)/t/x/opt/[[...slug]]/route.ts'] =
    twin('opt/[[...slug]]', `  const params = await ctx.params
  return pages.json(request, { query: pages.query(request, params), url: api(pages.url(request, ['slug'])) })`, { ctxType: '{ slug?: string[] }' }) + exportAll('handler', ['GET'])
  f['pages/api/x/headers.ts'] = PAGES_HEAD + `export default function h(req: NextApiRequest, res: NextApiResponse) {
  res.json(Object.fromEntries(Object.entries(req.headers).sort(([a], [b]) => (a < b ? -1 : 1))))
}\n`
  f['app/(t)/t/x/headers/route.ts'] =
    twin('headers', `  return pages.json(request, Object.fromEntries(Object.entries(pages.headers(request)).sort(([a], [b]) => (a < b ? -1 : 1))))`) + exportAll('handler', ['GET', 'POST'])

  // --- bodyParser
  const bodyEcho = (b) => `{ type: typeof ${b}, body: typeof ${b} === 'string' && ${b}.length > 200 ? 'len:' + ${b}.length : ${b}, nullProto: ${b} !== null && typeof ${b} === 'object' && Object.getPrototypeOf(${b}) === null }`
  const bodyRoute = (name, config, opts) => {
    f[`pages/api/x/${name}.ts`] = PAGES_HEAD + `${config}export default function h(req: NextApiRequest, res: NextApiResponse) { res.json(${bodyEcho('req.body')}) }\n`
    f[`app/(t)/t/x/${name}/route.ts`] = twin(name, `  const body = await pages.body(request${opts})
  if (body instanceof Response) return body
  return pages.json(request, ${bodyEcho('body')})`) + exportAll('handler')
  }
  bodyRoute('body', '', '')
  bodyRoute('body10b', `export const config = { api: { bodyParser: { sizeLimit: '10b' } } }\n`, `, { sizeLimit: '10b' }`)
  bodyRoute('body5', `export const config = { api: { bodyParser: { sizeLimit: 5 } } }\n`, `, { sizeLimit: 5 }`)
  f['pages/api/x/raw.ts'] = PAGES_HEAD + `export const config = { api: { bodyParser: false } }
export default async function h(req: NextApiRequest, res: NextApiResponse) {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const buf = Buffer.concat(chunks)
  res.json({ len: buf.length, hex: buf.toString('hex'), isBuffer: Buffer.isBuffer(buf) })
}\n`
  f['app/(t)/t/x/raw/route.ts'] = twin('raw', `  const buf = await pages.rawBody(request)
  return pages.json(request, { len: buf.length, hex: buf.toString('hex'), isBuffer: Buffer.isBuffer(buf) })`) + exportAll('handler', ['GET', 'POST', 'PUT'])

  // --- response side: one dispatcher per helper behaviour, keyed by ?k=
  const sendCases = {
    str: [`res.send('hello')`, `return pages.send(request, 'hello')`],
    unicode: [`res.send('h€llo 😀 \\ud800')`, `return pages.send(request, 'h€llo 😀 \\ud800')`],
    obj: [`res.send({ a: 1, b: [true, null] })`, `return pages.send(request, { a: 1, b: [true, null] })`],
    num: [`res.send(42)`, `return pages.send(request, 42)`],
    bool: [`res.send(false)`, `return pages.send(request, false)`],
    arr: [`res.send([1, 'a'])`, `return pages.send(request, [1, 'a'])`],
    date: [`res.send(new Date(0))`, `return pages.send(request, new Date(0))`],
    null: [`res.send(null)`, `return pages.send(request, null)`],
    undef: [`res.send(undefined)`, `return pages.send(request, undefined)`],
    buf: [`res.send(Buffer.from([0, 1, 2, 255]))`, `return pages.send(request, Buffer.from([0, 1, 2, 255]))`],
    u8: [`res.send(new Uint8Array([104, 105]))`, `return pages.send(request, new Uint8Array([104, 105]))`],
    bufct: [`res.setHeader('Content-Type', 'image/png'); res.send(Buffer.from('png'))`, `pages.setHeader(h, 'Content-Type', 'image/png'); return pages.send(request, Buffer.from('png'), { headers: h })`],
    htmlobj: [`res.setHeader('Content-Type', 'text/html'); res.send({ a: 1 })`, `pages.setHeader(h, 'Content-Type', 'text/html'); return pages.send(request, { a: 1 }, { headers: h })`],
    htmlstr: [`res.setHeader('Content-Type', 'text/html; charset=utf-8'); res.send('<p>hi</p>')`, `pages.setHeader(h, 'Content-Type', 'text/html; charset=utf-8'); return pages.send(request, '<p>hi</p>', { headers: h })`],
    stream: [`res.send(Readable.from([Buffer.from('a'), Buffer.from('b')]))`, `return pages.send(request, Readable.from([Buffer.from('a'), Buffer.from('b')]))`],
    streamct: [`res.setHeader('Content-Type', 'text/plain'); res.send(Readable.from([Buffer.from('s')]))`, `pages.setHeader(h, 'Content-Type', 'text/plain'); return pages.send(request, Readable.from([Buffer.from('s')]), { headers: h })`],
    json: [`res.json({ ok: true })`, `return pages.json(request, { ok: true })`],
    jsonu: [`res.json(undefined)`, `return pages.json(request, undefined)`],
    jsonnull: [`res.json(null)`, `return pages.json(request, null)`],
    jsonstr: [`res.json('str')`, `return pages.json(request, 'str')`],
    jsonct: [`res.setHeader('Content-Type', 'text/plain'); res.json([1])`, `pages.setHeader(h, 'Content-Type', 'text/plain'); return pages.json(request, [1], { headers: h })`],
    s404: [`res.status(404).json({ error: 'nf' })`, `return pages.json(request, { error: 'nf' }, { status: 404 })`],
    s201: [`res.status(201).send('created')`, `return pages.send(request, 'created', { status: 201 })`],
    s500: [`res.status(500).send({ e: 1 })`, `return pages.send(request, { e: 1 }, { status: 500 })`],
    s204: [`res.setHeader('Content-Type', 'text/plain'); res.status(204).send('x')`, `pages.setHeader(h, 'Content-Type', 'text/plain'); return pages.send(request, 'x', { status: 204, headers: h })`],
    s204json: [`res.status(204).json({ a: 1 })`, `return pages.json(request, { a: 1 }, { status: 204 })`],
    s204u: [`res.status(204).json(undefined)`, `return pages.json(request, undefined, { status: 204 })`],
    s304: [`res.status(304).send('x')`, `return pages.send(request, 'x', { status: 304 })`],
    end: [`res.end()`, `return pages.end()`],
    endd: [`res.end('data')`, `return pages.end('data')`],
    endbuf: [`res.end(Buffer.from([7, 8]))`, `return pages.end(Buffer.from([7, 8]))`],
    endct: [`res.setHeader('Content-Type', 'text/csv'); res.status(202).end('a,b')`, `pages.setHeader(h, 'Content-Type', 'text/csv'); return pages.end('a,b', { status: 202, headers: h })`],
    end204: [`res.status(204).end()`, `return pages.end(null, { status: 204 })`],
    redir: [`res.redirect('/somewhere?x=1')`, `return pages.redirect('/somewhere?x=1')`],
    redir301: [`res.redirect(301, 'https://example.com/a b')`, `return pages.redirect('https://example.com/a b', 301)`],
    redirh: [`res.setHeader('x-a', ['1', '2']); res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2']); res.status(201).redirect('/rel')`, `pages.setHeader(h, 'x-a', ['1', '2']); pages.setHeader(h, 'Set-Cookie', ['a=1; Path=/', 'b=2']); return pages.redirect('/rel', 307, { status: 201, headers: h })`],
    headers: [`res.setHeader('X-Num', 5); res.setHeader('x-multi', ['a', 'b']); res.setHeader('x-multi', ['c', 'd']); res.setHeader('Set-Cookie', ['s=1', 't=2']); res.setHeader('Cache-Control', 's-maxage=60'); res.json({})`,
      `pages.setHeader(h, 'X-Num', 5); pages.setHeader(h, 'x-multi', ['a', 'b']); pages.setHeader(h, 'x-multi', ['c', 'd']); pages.setHeader(h, 'Set-Cookie', ['s=1', 't=2']); pages.setHeader(h, 'Cache-Control', 's-maxage=60'); return pages.json(request, {}, { headers: h })`],
    big: [`res.send('x'.repeat(5000))`, `return pages.send(request, 'x'.repeat(5000))`],
  }
  f['pages/api/x/send.ts'] = PAGES_HEAD + `import { Readable } from 'node:stream'
export default function h(req: NextApiRequest, res: NextApiResponse) {
  switch (req.query.k) {
${Object.entries(sendCases).map(([k, [p]]) => `    case '${k}': { ${p}; return }`).join('\n')}
  }
  res.status(400).send('unknown case')
}\n`
  f['app/(t)/t/x/send/route.ts'] = twin('send', `  const h = new Headers()
  switch (new URL(request.url).searchParams.get('k')) {
${Object.entries(sendCases).map(([k, [, t]]) => `    case '${k}': { ${t} }`).join('\n')}
  }
  return pages.send(request, 'unknown case', { status: 400 })`, { imports: `import { Readable } from 'node:stream'\n` }) + exportAll('handler', ['GET', 'HEAD', 'POST'])

  // --- the req/res adapter: one Pages handler module, served by a Pages route and, through
  // pages.adapt, by its twin Route Handler (the same code on both sides)
  const adaptCases = {
    ...Object.fromEntries(Object.entries(sendCases).map(([k, [p]]) => [k, p])),
    wh1: `res.writeHead(201, { 'X-A': '1', 'Content-Type': 'text/plain' }); res.end('w')`,
    wh2: `res.writeHead(202, 'Fine', ['X-B', '2', 'X-C', '3']); res.end()`,
    wh4: `res.writeHead(202, ['X-B', '2']); res.end()`,
    wh5: `res.writeHead(206, 'Part', [['X-E', '5'], ['x-e', '6']]); res.end('p')`,
    wh3: `res.setHeader('x-pre', 'p'); res.writeHead(200, [['X-D', '4']]); res.write('a'); res.write(Buffer.from('b')); res.end('c')`,
    later: `res.setHeader('Content-Type', 'text/plain'); res.write('1'); setTimeout(() => { res.write('2'); res.end('3') }, 20)`,
    flush: `res.statusCode = 203; res.flushHeaders(); res.end(String(res.headersSent))`,
    pipe: `res.setHeader('x-pipe', '1'); Readable.from(['x', 'y']).pipe(res)`,
    throw: `throw new Error('thrown')`,
    reject: `return Promise.reject(new Error('rejected'))`,
    late: `res.write('part '); throw new Error('late')`,
    reason: `res.statusCode = 418; res.statusMessage = 'Short And Stout'; res.end('t')`,
    echo: `res.json({ method: req.method, query: req.query, cookies: req.cookies, body: req.body ?? null, bodyType: typeof req.body, hv: req.httpVersion, ct: req.headers['content-type'] ?? null })`,
    hs: `res.setHeader('X-Num', 5); res.appendHeader('x-num', '6'); res.json({ names: res.getHeaderNames(), h: res.getHeaders(), has: res.hasHeader('X-NUM'), sent: res.headersSent, code: res.statusCode })`,
    sent: `res.status(200).send('one'); let code = ''; try { res.setHeader('x', '1') } catch (e) { code = (e as { code?: string }).code ?? '' } console.log(code, res.writableEnded, res.finished)`,
    clear: `res.clearPreviewData(); res.json({ cleared: true })`,
    cb: `setTimeout(() => res.status(202).json({ late: true }), 10)`,
  }
  f['adapt-cases/handler.ts'] = PAGES_HEAD + `import { Readable } from 'node:stream'
export default function h(req: NextApiRequest, res: NextApiResponse): unknown {
  switch (req.query.k) {
${Object.entries(adaptCases).map(([k, p]) => `    case '${k}': { ${p}; return }`).join('\n')}
  }
  res.status(400).send('unknown case')
  return
}\n`
  f['pages/api/x/ad.ts'] = `export { default } from '../../../adapt-cases/handler'\n`
  f['app/(t)/t/x/ad/route.ts'] = `import * as pages from '../../../_pages2app/compat'
import handler from '../../../../../adapt-cases/handler'
const route = pages.adapt(handler)
` + exportAll('route') + `export const runtime = 'nodejs'\n`
  f['pages/api/x/adraw.ts'] = PAGES_HEAD + `export const config = { api: { bodyParser: false } }
export default async function h(req: NextApiRequest, res: NextApiResponse) {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  res.json({ body: req.body ?? null, hex: Buffer.concat(chunks).toString('hex') })
}\n`
  f['app/(t)/t/x/adraw/route.ts'] = `import * as pages from '../../../_pages2app/compat'
import type { NextApiRequest, NextApiResponse } from 'next'
async function h(req: NextApiRequest, res: NextApiResponse) {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  res.json({ body: req.body ?? null, hex: Buffer.concat(chunks).toString('hex') })
}
const route = pages.adapt(h, { bodyParser: false })
` + exportAll('route') + `export const runtime = 'nodejs'\n`
  f['pages/api/x/adlimit.ts'] = PAGES_HEAD + `export const config = { api: { bodyParser: { sizeLimit: '10b' } } }
export default function h(req: NextApiRequest, res: NextApiResponse) { res.json({ body: req.body }) }\n`
  f['app/(t)/t/x/adlimit/route.ts'] = `import * as pages from '../../../_pages2app/compat'
import type { NextApiRequest, NextApiResponse } from 'next'
function h(req: NextApiRequest, res: NextApiResponse) { res.json({ body: req.body }) }
const route = pages.adapt(h, { bodyParser: { sizeLimit: '10b' } })
` + exportAll('route') + `export const runtime = 'nodejs'\n`

  // --- the plain-JavaScript module, from a route.js twin
  f['pages/api/x/js.ts'] = PAGES_HEAD + `export default function h(req: NextApiRequest, res: NextApiResponse) {
  res.setHeader('x-js', '1')
  res.status(201).json({ query: req.query, url: req.url, cookies: req.cookies, body: req.body })
}\n`
  f['app/(t)/t/x/js/route.js'] = `import * as pages from '../../../_pages2app_js/compat.js'
async function handler(request) {
  const body = await pages.body(request)
  if (body instanceof Response) return body
  const h = new Headers()
  pages.setHeader(h, 'x-js', '1')
  return pages.json(request, { query: pages.query(request), url: pages.url(request).replace(/^\\/t\\//, '/api/'), cookies: pages.cookies(request), body }, { status: 201, headers: h })
}
export { handler as GET, handler as POST }\n`

  // --- facts about Route Handlers (no Pages twin)
  f['app/(t)/t/f/exp/route.ts'] = `function handler(request: Request) { return Response.json({ m: request.method }) }
const PUT = (request: Request) => Response.json({ put: request.method })
export const PATCH = PUT
export { handler as GET, handler as POST, PUT }\n`
  f['app/(t)/t/f/c/[...slug]/route.ts'] = `export async function GET(request: Request, ctx: { params: Promise<{ slug: string[] }> }) {
  const p = await ctx.params
  return Response.json({ params: p, keys: Object.keys(p) })
}\n`
  f['app/(t)/t/f/o/[[...slug]]/route.ts'] = `export async function GET(request: Request, ctx: { params: Promise<{ slug?: string[] }> }) {
  const p = await ctx.params
  return Response.json({ params: p, keys: Object.keys(p), slug: String(p.slug) })
}\n`
  f['app/(t)/t/f/i/[id]/route.ts'] = `export async function GET(request: Request, ctx: { params: Promise<{ id: string }> }) {
  return Response.json(await ctx.params)
}\n`
  f['app/(t)/t/f/resp/route.ts'] = `export async function GET(request: Request) {
  const k = new URL(request.url).searchParams.get('k')
  if (k === 'u8') return new Response(new Uint8Array([104, 105]))
  if (k === 'st') return new Response('bad', { status: 400, statusText: 'Invalid JSON' })
  if (k === 'cl') return new Response('abc', { headers: { 'content-length': '3' } })
  if (k === 'str') return new Response('hi')
  return Response.json({ body: await request.text() })
}\n`
  return f
}

function writeScratch(dir, T) {
  const files = scratchFiles()
  files['app/(t)/_pages2app/compat.ts'] = fs.readFileSync(path.join(runtimeDir, 'compat.ts'), 'utf8')
  files['app/(t)/_pages2app_js/compat.js'] = fs.readFileSync(path.join(runtimeDir, 'compat.js'), 'utf8')
  // Each helper with only its `requires` closure must compile alone (strict).
  for (const p of PUBLIC) files[`extract/${p}.ts`] = assemble(T, [p])
  files['tsconfig.json'] = JSON.stringify({
    compilerOptions: { target: 'ES2022', lib: ['dom', 'dom.iterable', 'esnext'], allowJs: true, skipLibCheck: true, strict: true, noEmit: true, esModuleInterop: true, module: 'esnext', moduleResolution: 'bundler', resolveJsonModule: true, isolatedModules: true, jsx: 'react-jsx', incremental: false, plugins: [{ name: 'next' }] },
    include: ['next-env.d.ts', '**/*.ts', '**/*.tsx', '.next/types/**/*.ts'],
    exclude: ['node_modules'],
  }, null, 2)
  files['next.config.mjs'] = `export default {}\n`
  files['next-env.d.ts'] = `/// <reference types="next" />\n/// <reference types="next/image-types/global" />\n`
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel)
    fs.mkdirSync(path.dirname(p), { recursive: true })
    fs.writeFileSync(p, text)
  }
  return Object.keys(files).length
}

function run(cmd, args, cwd, what) {
  const t = Date.now()
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0' }, maxBuffer: 64 << 20 })
  const out = (r.stdout || '') + (r.stderr || '')
  check(r.status === 0, `${what} succeeds`, () => out.split('\n').slice(-60).join('\n'))
  log(`${what}: exit ${r.status} in ${((Date.now() - t) / 1000).toFixed(1)}s`)
  return out
}

// ---------------------------------------------------------------- 5. HTTP
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** One raw HTTP/1.1 exchange. `headers` is a list of [name, value] (duplicates allowed). */
function send(port, { method = 'GET', path: p, headers = [], body, chunked = false }) {
  return new Promise((resolve) => {
    const raw = [['Host', `127.0.0.1:${port}`], ['Connection', 'close'], ...headers]
    const data = body === undefined ? undefined : Buffer.from(body)
    if (data && !chunked) raw.push(['Content-Length', String(data.length)])
    if (data && chunked) raw.push(['Transfer-Encoding', 'chunked'])
    const r = http.request({ host: '127.0.0.1', port, method, path: p, headers: raw.flat(), agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, reason: res.statusMessage, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', (e) => resolve({ error: e.message }))
    })
    r.setTimeout(15000, () => r.destroy(new Error('timeout')))
    r.on('error', (e) => resolve({ error: e.message }))
    if (data && chunked) for (let i = 0; i < data.length; i += 4) r.write(data.subarray(i, i + 4))
    r.end(chunked ? undefined : data)
  })
}

const COMPARED = (name) => ['content-type', 'location', 'set-cookie', 'etag', 'allow', 'cache-control'].includes(name) || (name.startsWith('x-') && !name.startsWith('x-nextjs-'))
function comparable(r) {
  if (r.error) return { error: r.error }
  const headers = {}
  for (const k of Object.keys(r.headers).sort()) if (COMPARED(k)) headers[k] = r.headers[k]
  return { status: r.status, reason: r.reason, headers, body: r.body.toString('latin1') }
}

function pairCases() {
  const c = []
  const add = (p, opts = {}) => c.push({ path: p, ...opts })
  // query, url, params
  for (const p of ['/echo/42?id=zzz&a=1&a=2&b=&c', '/echo/4%2F2?x=%20+&y=%2B', '/echo/5?__proto__=x&constructor=y&toString=z&hasOwnProperty=1', '/echo/5?nxtPid=9&nxtIfoo=1&_rsc=1', "/echo/5?a=!'()*~-._&b=%7e%41&c=\"<>`{}|^\\", '/echo/5?', '/echo/%E2%82%AC?%E2%82%AC=%E2%82%AC', '/echo/a+b?1=one&0=zero&z=last&id=shadow'])
    add(p)
  for (const p of ['/catch/a/b%2Fc/d', "/catch/a%20b/%25/x%2525y/%E2%82%AC/a+b/%2f/~!$&'()*,;=:@?slug=s&q=1", '/catch/a"b<c>{d}|^`e', '/catch/%7e%41%2e/.x/..y', '/catch/x?q=a+b%20c%2B&e&f=&%ZZ=%zz&u=%E2%82%AC&h=%C3&k[a]=1&=v', '/catch/1/2/3/4/5/6?slug=a&slug=b'])
    add(p)
  for (const p of ['/opt', '/opt?slug=1&slug=2', '/opt/a/b', '/opt/x?slug=1', '/opt?a=1&slug=z'])
    add(p)
  // cookies
  for (const cookie of [['a=1; a=2; b="q"; c=%E2%82%AC; d=%ZZ; e; f=; constructor=1; g = 3 ;h="unterminated'], ['a=1', 'b=2', 'a=3'], ['']])
    add('/echo/c', { headers: cookie.map((v) => ['Cookie', v]) })
  // headers as Node shows them
  add('/headers', { headers: [['X-Dup', '1'], ['x-dup', '2'], ['X-Mixed-Case', 'v'], ['User-Agent', 'first'], ['User-Agent', 'second'], ['Cookie', 'a=1'], ['Cookie', 'b=2'], ['Set-Cookie', 's=1'], ['Set-Cookie', 's=2'], ['Accept', 'a/b'], ['Accept', 'c/d'], ['Authorization', 'Bearer x'], ['Referer', 'http://r/']] })
  add('/headers', { method: 'POST', headers: [['Content-Type', 'text/plain'], ['Content-Type', 'application/json'], ['X-Forwarded-For', '10.0.0.1'], ['Forwarded', 'for=1.2.3.4']], body: 'x' })
  // bodyParser
  const B = (ct, body, method = 'POST', route = '/body') => add(route, { method, headers: ct === undefined ? [] : [['Content-Type', ct]], body })
  B('application/json', '{"a":1,"b":[1,2],"c":"é"}')
  B('application/json', '')
  B('application/json', '{a')
  B('application/ld+json', '{"@id":"x"}')
  B('APPLICATION/JSON; Charset=UTF-8', '[1,2]')
  B('application/json;', '{"a":1}')
  B('application/json; charset="utf-8"', '{"q":1}')
  B('application/x-www-form-urlencoded', 'a=1&a=2&b[c]=3&e=&f&%ZZ=1&+x=y+z&u=%E2%82%AC')
  B('text/plain', 'hello')
  B(undefined, 'no content type')
  B('multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XX--\r\n')
  B('text/plain; charset=latin1', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80, 0xff]))
  B('text/plain; charset=utf-16le', Buffer.from('hé€😀', 'utf16le'))
  B('application/json', Buffer.from('\ufeff{"bom":true}'))
  B('text/plain', Buffer.from([0xff, 0xfe, 0x41, 0xc3]))
  B('text/plain; charset=foo', 'x')
  B('application/json; charset=latin1', Buffer.from('{"a":"é"}', 'latin1'))
  B('application/json', '{"put":1}', 'PUT')
  B('application/json', '{"del":1}', 'DELETE')
  B('application/x-www-form-urlencoded', 'p=1', 'PATCH')
  B(undefined, undefined, 'GET')
  B('application/json', undefined, 'GET')
  B(undefined, undefined, 'OPTIONS')
  B('application/json', '{"o":1}', 'OPTIONS')
  B('text/plain', '0123456789', 'POST', '/body10b')
  B('text/plain', '0123456789A', 'POST', '/body10b')
  B('application/json', '{"a":12345}', 'POST', '/body10b')
  B('text/plain', '12345', 'POST', '/body5')
  B('text/plain', '123456', 'POST', '/body5')
  B('text/plain', 'x'.repeat(1024 * 1024))
  B('text/plain', 'x'.repeat(1024 * 1024 + 1))
  add('/body', { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{"chunked":true}', chunked: true })
  add('/body10b', { method: 'POST', headers: [['Content-Type', 'text/plain']], body: '0123456789A', chunked: true })
  add('/body', { method: 'DELETE' })
  add('/headers', { headers: [['Next-Router-Prefetch', '1'], ['Next-Router-State-Tree', '%5B%5D'], ['Accept', 'text/x-component']] })
  add('/raw', { method: 'POST', headers: [['Content-Type', 'application/json']], body: Buffer.from(Array.from({ length: 256 }, (_, i) => i)) })
  add('/raw')
  add('/raw', { method: 'PUT', body: '' })
  add('/echo/7?q=1', { method: 'POST', headers: [['Content-Type', 'application/json'], ['Cookie', 'sid=abc']], body: '{"n":1}' })
  add('/echo/7', { method: 'OPTIONS' })
  add('/echo/7', { method: 'HEAD' })
  // responses
  const etagged = ['str', 'unicode', 'obj', 'num', 'bool', 'arr', 'date', 'buf', 'u8', 'bufct', 'htmlobj', 'htmlstr', 'json', 'jsonnull', 'jsonstr', 'jsonct', 's404', 's201', 's500', 'headers', 'big']
  for (const k of ['str', 'unicode', 'obj', 'num', 'bool', 'arr', 'date', 'null', 'undef', 'buf', 'u8', 'bufct', 'htmlobj', 'htmlstr', 'stream', 'streamct', 'json', 'jsonu', 'jsonnull', 'jsonstr', 'jsonct', 's404', 's201', 's500', 's204', 's204json', 's204u', 's304', 'end', 'endd', 'endbuf', 'endct', 'end204', 'redir', 'redir301', 'redirh', 'headers', 'big']) {
    add(`/send?k=${k}`)
    if (etagged.includes(k)) {
      add(`/send?k=${k}`, { headers: [['If-None-Match', (ctx) => ctx.etag]] })
      add(`/send?k=${k}`, { method: 'HEAD' })
    }
  }
  const inm = (v, more = []) => add('/send?k=json', { headers: [['If-None-Match', v], ...more] })
  inm('*')
  inm((ctx) => `W/${ctx.etag}`)
  inm((ctx) => `"nope", ${ctx.etag}`)
  inm('"nope"')
  inm((ctx) => ctx.etag, [['Cache-Control', 'no-cache']])
  inm((ctx) => ctx.etag, [['If-Modified-Since', 'Wed, 21 Oct 2015 07:28:00 GMT']])
  add('/send?k=json', { headers: [['If-Modified-Since', 'Wed, 21 Oct 2015 07:28:00 GMT']] })
  add('/send?k=json', { method: 'POST', headers: [['If-None-Match', (ctx) => ctx.etag]] })
  // the adapter
  for (const k of ['str', 'obj', 'buf', 'u8', 'stream', 'json', 'jsonu', 's204', 's304', 'end', 'endd', 'redir', 'redir301', 'redirh', 'headers', 'wh1', 'wh2', 'wh3', 'wh4', 'wh5', 'later', 'flush', 'pipe', 'throw', 'reject', 'late', 'reason', 'hs', 'sent', 'clear', 'cb']) add(`/ad?k=${k}`)
  add('/ad?k=str', { headers: [['If-None-Match', (ctx) => ctx.etag]] })
  add('/ad?k=echo&a=1&a=2', { headers: [['Cookie', 'a=1; a=2; b=%E2%82%AC']] })
  add('/ad?k=echo', { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{"x":[1,2]}' })
  add('/ad?k=echo', { method: 'PUT', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=1&a=2&b=' })
  add('/ad?k=echo', { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{bad' })
  add('/ad?k=echo', { method: 'PATCH', headers: [['Content-Type', 'text/plain']], body: 'x'.repeat(1100000) })
  add('/ad?k=echo', { method: 'DELETE' })
  add('/ad?k=echo', { method: 'OPTIONS' })
  add('/ad?k=throw', { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{}' })
  add('/adraw', { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{not json' })
  add('/adraw', { method: 'POST', headers: [['Content-Type', 'application/octet-stream']], body: Buffer.from([0, 1, 254, 255]) })
  add('/adraw', { method: 'PUT', headers: [['Content-Type', 'text/plain']], body: 'chunked body', chunked: true })
  add('/adlimit', { method: 'POST', headers: [['Content-Type', 'text/plain']], body: '0123456789' })
  add('/adlimit', { method: 'POST', headers: [['Content-Type', 'text/plain']], body: '0123456789A' })
  // JS module
  add('/js?a=1&a=2', { headers: [['Cookie', 'x=1; x=2']] })
  add('/js', { method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=1&a=2' })
  add('/js', { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{' })
  return c
}

async function comparePairs(port) {
  const etags = new Map() // path -> ETag of the last 200 from Pages, for If-None-Match cases
  let n = 0
  for (const c of pairCases()) {
    const ctx = { etag: etags.get(c.path) }
    const headers = c.headers?.map(([k, v]) => [k, typeof v === 'function' ? v(ctx) : v]) ?? []
    const spec = { ...c, headers }
    const a = await send(port, { ...spec, path: '/api/x' + c.path })
    const b = await send(port, { ...spec, path: '/t/x' + c.path })
    if (a.headers?.etag && a.status !== 304) etags.set(c.path, a.headers.etag)
    const A = comparable(a)
    const B = comparable(b)
    const label = `${c.method ?? 'GET'} ${c.path.length > 90 ? c.path.slice(0, 90) + '…' : c.path}${headers.length ? ' ' + show(headers).slice(0, 120) : ''}${c.body !== undefined ? ` body(${Buffer.byteLength(c.body)}B${c.chunked ? ', chunked' : ''})` : ''}`
    check(show(A) === show(B), `pair ${label}`, () => diff(A, B))
    if (verbose) log(`  ${label}\n    -> ${A.error ?? `${A.status} ${A.reason}`} ${show(A.headers)} ${show(A.body?.slice(0, 100))}`)
    n++
  }
  return n
}

function diff(A, B) {
  const out = []
  const keys = new Set([...Object.keys(A), ...Object.keys(B)])
  for (const k of keys) {
    if (k === 'headers') {
      const hk = new Set([...Object.keys(A.headers ?? {}), ...Object.keys(B.headers ?? {})])
      for (const h of hk) if (show(A.headers?.[h]) !== show(B.headers?.[h])) out.push(`header ${h}:\n  pages:  ${show(A.headers?.[h])}\n  compat: ${show(B.headers?.[h])}`)
    } else if (show(A[k]) !== show(B[k])) out.push(`${k}:\n  pages:  ${show(A[k])?.slice(0, 600)}\n  compat: ${show(B[k])?.slice(0, 600)}`)
  }
  return out.join('\n')
}

/** Facts about Route Handlers on next 16.4.6 that the README and the Rust emitter rely on. */
async function facts(port) {
  const get = (p, method = 'GET', headers = [], body) => send(port, { method, path: p, headers, body })
  const j = (r) => (r.body ? r.body.toString() : '')
  const fact = async (what, r, ok) => check(ok(r), `fact: ${what}`, () => show({ status: r.status, reason: r.reason, headers: r.headers, body: j(r).slice(0, 300) }))
  // 1. export specifiers and `export const PATCH = PUT`
  await fact('export { handler as GET } serves GET', await get('/t/f/exp'), (r) => r.status === 200 && j(r) === '{"m":"GET"}')
  await fact('export { handler as POST } serves POST', await get('/t/f/exp', 'POST'), (r) => r.status === 200 && j(r) === '{"m":"POST"}')
  await fact('export { PUT } (a local const) serves PUT', await get('/t/f/exp', 'PUT'), (r) => r.status === 200 && j(r) === '{"put":"PUT"}')
  await fact('export const PATCH = PUT serves PATCH', await get('/t/f/exp', 'PATCH'), (r) => r.status === 200 && j(r) === '{"put":"PATCH"}')
  await fact('auto OPTIONS lists the specifier exports', await get('/t/f/exp', 'OPTIONS'), (r) => r.status === 204 && r.headers.allow === 'GET, HEAD, OPTIONS, PATCH, POST, PUT')
  // 2. params
  await fact('[...slug] with %2F gives ["a","b/c","d"]', await get('/t/f/c/a/b%2Fc/d'), (r) => j(r) === '{"params":{"slug":["a","b/c","d"]},"keys":["slug"]}')
  await fact('[...slug] decodes once: %20 %25 %2525 %E2%82%AC +', await get('/t/f/c/a%20b/%25/x%2525y/%E2%82%AC/a+b'), (r) => j(r) === '{"params":{"slug":["a b","%","x%25y","€","a+b"]},"keys":["slug"]}')
  await fact('[[...slug]] at the base path: key absent (params {})', await get('/t/f/o'), (r) => j(r) === '{"params":{},"keys":[],"slug":"undefined"}')
  await fact('[id] with %2F gives "4/2"', await get('/t/f/i/4%2F2'), (r) => j(r) === '{"id":"4/2"}')
  // 3. bytes and statusText
  await fact('new Response(Uint8Array) gets no content-type', await get('/t/f/resp?k=u8'), (r) => r.status === 200 && !('content-type' in r.headers) && j(r) === 'hi')
  await fact('statusText is sent as the reason phrase', await get('/t/f/resp?k=st'), (r) => r.status === 400 && r.reason === 'Invalid JSON')
  await fact('new Response(string) gets text/plain;charset=UTF-8', await get('/t/f/resp?k=str'), (r) => r.headers['content-type'] === 'text/plain;charset=UTF-8')
  await fact('a Content-Length set on the Response is dropped (chunked)', await get('/t/f/resp?k=cl'), (r) => !('content-length' in r.headers) && r.headers['transfer-encoding'] === 'chunked')
  await fact('Route Handler responses carry Vary: rsc, next-router-state-tree, …', await get('/t/f/resp?k=u8'), (r) => /^rsc, next-router-state-tree/.test(r.headers.vary ?? ''))
  // 4. GET-only route
  await fact('GET-only: HEAD -> 200, no body', await get('/t/f/resp?k=str', 'HEAD'), (r) => r.status === 200 && r.body.length === 0)
  await fact('GET-only: OPTIONS -> 204 Allow: GET, HEAD, OPTIONS', await get('/t/f/resp', 'OPTIONS'), (r) => r.status === 204 && r.headers.allow === 'GET, HEAD, OPTIONS')
  await fact('GET-only: PUT -> 405, empty, no Allow', await get('/t/f/resp', 'PUT'), (r) => r.status === 405 && r.body.length === 0 && !('allow' in r.headers))
  await fact('GET-only: PROPFIND -> 400, empty', await get('/t/f/resp', 'PROPFIND'), (r) => r.status === 400 && r.body.length === 0)
  await fact('GET-only: TRACE -> 500 HTML page', await get('/t/f/resp', 'TRACE'), (r) => r.status === 500 && /text\/html/.test(r.headers['content-type'] ?? ''))
  await fact('an RSC request (header RSC: 1) to a Route Handler is redirected 307 to …&_rsc', await get('/t/f/resp?k=str', 'GET', [['RSC', '1']]), (r) => r.status === 307 && /[?&]_rsc(=|&|$)/.test(r.headers.location ?? ''))
  await fact('a Next-Url request header is removed before a Route Handler runs (Pages sees it)', await get('/t/x/headers', 'GET', [['Next-Url', '/x']]), (r) => r.status === 200 && !('next-url' in JSON.parse(j(r))))
  await fact('… and Pages API routes see Next-Url', await get('/api/x/headers', 'GET', [['Next-Url', '/x']]), (r) => JSON.parse(j(r))['next-url'] === '/x')
  await fact('the same RSC request to a Pages API route is served', await get('/api/x/headers', 'GET', [['RSC', '1']]), (r) => r.status === 200)
  // Request bodies on GET are not passed to Route Handlers (Pages parses them)
  await fact('GET with a body: the Route Handler sees no body', await get('/t/f/resp', 'GET', [['Content-Type', 'text/plain']], 'abc'), (r) => j(r) === '{"body":""}')
  await fact('GET with a body: Pages parses it', await get('/api/x/body', 'GET', [['Content-Type', 'text/plain']], 'abc'), (r) => JSON.parse(j(r)).body === 'abc')
}

// ---------------------------------------------------------------- 6. JS extracts run standalone
async function jsExtracts(J, dir) {
  for (const p of PUBLIC) {
    const file = path.join(dir, `extract-js/${p}.mjs`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, assemble(J, [p]))
  }
  const load = (p) => import(pathToFileURL(path.join(dir, `extract-js/${p}.mjs`)).href)
  const r = new Request('http://x/api/a?x=1&x=2', { method: 'POST', headers: { cookie: 'a=1', 'content-type': 'application/json' }, body: '{"b":2}' })
  const smoke = {
    query: async (m) => show(m.query(r.clone(), { id: '1' })) === '{"x":["1","2"],"id":"1"}',
    body: async (m) => show(await m.body(r.clone())) === '{"b":2}',
    rawBody: async (m) => (await m.rawBody(r.clone())).toString() === '{"b":2}',
    cookies: async (m) => m.cookies(r).a === '1',
    headers: async (m) => m.headers(r).cookie === 'a=1',
    url: async (m) => m.url(r, ['x']) === '/api/a',
    setHeader: async (m) => { const h = new Headers(); m.setHeader(h, 'x', ['1', '2']); return h.get('x') === '1, 2' },
    json: async (m) => (await m.json(r, { a: 1 }).text()) === '{"a":1}',
    send: async (m) => m.send(r, 'hi').headers.get('etag') !== null,
    end: async (m) => (await m.end('e').text()) === 'e',
    redirect: async (m) => m.redirect('/x').headers.get('location') === '/x',
    // A wrapper's headers where the handler's Response left them unset (its own value wins,
    // several Set-Cookie lines stay several), also on a Response with immutable headers.
    withHeaders: async (m) => {
      const h = new Headers([['x-v', '2'], ['cache-control', 'no-store']])
      h.append('set-cookie', 'a=1')
      h.append('set-cookie', 'b=2')
      const own = await m.withHeaders(Promise.resolve(new Response('x', { headers: { 'x-v': '1' } })), h)
      const locked = await m.withHeaders(Response.redirect('http://x/y', 302), h)
      return own.headers.get('x-v') === '1' && own.headers.get('cache-control') === 'no-store'
        && own.headers.getSetCookie().join('|') === 'a=1|b=2' && (await own.text()) === 'x'
        && locked.status === 302 && locked.headers.get('location') === 'http://x/y' && locked.headers.get('x-v') === '2'
    },
    // The `cors` package through `connect`: its headers land in the bag and it calls next();
    // a preflight is its own 204 Response; next(error) rejects.
    connect: async (m) => {
      const cors = createRequire(path.join(dir, 'package.json'))('cors')({ origin: 'https://a.example' })
      const h = new Headers()
      const passed = await m.connect(new Request('http://x/api/a', { headers: { origin: 'https://b.example' } }), h, cors)
      const preflight = await m.connect(new Request('http://x/api/a', { method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-y' } }), new Headers(), cors)
      const failed = await m.connect(r.clone(), new Headers(), (_req, _res, next) => next(new Error('no'))).then(() => false, (e) => e.message === 'no')
      return passed === undefined && h.get('access-control-allow-origin') === 'https://a.example' && h.get('vary') === 'Origin'
        && preflight instanceof Response && preflight.status === 204 && preflight.headers.get('content-length') === '0'
        && preflight.headers.get('access-control-allow-headers') === 'x-y' && preflight.headers.get('access-control-allow-methods') === 'GET,HEAD,PUT,PATCH,POST,DELETE'
        && failed
    },
  }
  for (const p of PUBLIC) {
    let ok = false
    let err = ''
    try {
      ok = await smoke[p](await load(p))
    } catch (e) {
      err = e.stack
    }
    check(ok, `compat.js extract with only ${p} (+requires) runs`, err)
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const tc = toolchain()
  const next = path.join(tc, 'node_modules/.bin/next')
  const tsc = path.join(tc, 'node_modules/.bin/tsc')
  const { T, J } = staticChecks(tc)
  log(`static checks: ${checks} checks, ${failures.length} failures`)
  const nOffline = await offlineChecks(tc, J)
  log(`offline differential checks: ${nOffline} cases against Next's compiled modules`)

  const scratch = fs.mkdtempSync(path.join(tc, 'scratch-'))
  let server
  let nPairs = 0
  try {
    await jsExtracts(J, scratch)
    const nFiles = writeScratch(scratch, T)
    log(`scratch app: ${path.relative(root, scratch)} (${nFiles} files)`)
    const buildOut = run(next, ['build'], scratch, 'next build')
    check(/Finished TypeScript/.test(buildOut), 'next build ran its TypeScript check')
    run(tsc, ['--noEmit', '-p', 'tsconfig.json'], scratch, 'tsc --noEmit (strict)')
    // The module lands in users' apps: it must also pass the strictest flags a tsconfig may set.
    const pickyFlags = ['--strict', '--noUncheckedIndexedAccess', '--exactOptionalPropertyTypes', '--noPropertyAccessFromIndexSignature', '--noImplicitReturns', '--noUnusedLocals', '--noUnusedParameters', '--verbatimModuleSyntax', '--isolatedModules']
    const env = ['--noEmit', '--skipLibCheck', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', '--types', 'node']
    run(tsc, [...env, ...pickyFlags, 'app/(t)/_pages2app/compat.ts', ...PUBLIC.map((p) => `extract/${p}.ts`)], scratch, 'tsc with noUncheckedIndexedAccess, exactOptionalPropertyTypes, … on compat.ts and each extract')
    if (failures.some((f) => f.startsWith('next build'))) throw new Error('build failed')

    const port = await freePort()
    let serverLog = ''
    server = spawn(next, ['start', '-H', '127.0.0.1', '-p', String(port)], { cwd: scratch, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } })
    // Interrupted (Ctrl-C, a CI timeout): still take the server's whole process group down.
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.once(sig, () => {
        try {
          process.kill(-server.pid, 'SIGKILL')
        } catch {}
        if (!keep) fs.rmSync(scratch, { recursive: true, force: true })
        process.exit(130)
      })
    }
    server.stdout.on('data', (d) => (serverLog += d))
    server.stderr.on('data', (d) => (serverLog += d))
    const deadline = Date.now() + 30000
    for (;;) {
      const r = await send(port, { path: '/t/f/resp?k=str' })
      if (r.status === 200) break
      if (Date.now() > deadline || server.exitCode !== null) throw new Error('next start did not come up:\n' + serverLog)
      await new Promise((res) => setTimeout(res, 200))
    }
    nPairs = await comparePairs(port)
    log(`request pairs: ${nPairs}`)
    await facts(port)
  } finally {
    if (server && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM')
      } catch {}
      const gone = await Promise.race([new Promise((r) => server.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 5000))])
      if (!gone) try { process.kill(-server.pid, 'SIGKILL') } catch {}
    }
    if (!keep) fs.rmSync(scratch, { recursive: true, force: true })
    else log(`kept ${scratch}`)
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1)
  log(`\n${nPairs} request pairs, ${nOffline} offline cases, ${secs}s`)
  log(`runtime: ${checks - failures.length} passed, ${failures.length} failed`)
  process.exitCode = failures.length ? 1 : 0
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 2
})
