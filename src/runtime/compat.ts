// pages2app runtime helpers: the Next.js Pages API `req`/`res` behaviour, rebuilt for App Router
// Route Handlers. Each helper was checked against a real next 16.4.6 server (pages2app's
// tests/runtime/verify.mjs). Source paths are vercel/next.js packages/next/src/...
// Blocks: `// @pages2app-helper NAME [requires=A,B]` ... `// @pages2app-helper-end NAME`.

// @pages2app-helper _buffer
import { Buffer } from 'node:buffer'
// @pages2app-helper-end _buffer

// @pages2app-helper _querystring
import { decode as _querystringDecode } from 'node:querystring'
// @pages2app-helper-end _querystring

// @pages2app-helper _stream
import { Readable, Stream } from 'node:stream'
// @pages2app-helper-end _stream

// @pages2app-helper _http
import type { IncomingHttpHeaders } from 'node:http'
// @pages2app-helper-end _http

// @pages2app-helper PagesQuery
/** Type of `req.query` (server/api-utils/index.ts `NextApiRequestQuery`). */
export type PagesQuery = Partial<{ [key: string]: string | string[] }>
// @pages2app-helper-end PagesQuery

// @pages2app-helper PagesCookies
/** Type of `req.cookies` (server/api-utils/index.ts `NextApiRequestCookies`). */
export type PagesCookies = Partial<{ [key: string]: string }>
// @pages2app-helper-end PagesCookies

// @pages2app-helper query requires=PagesQuery
/**
 * `req.query`: build/templates/pages-api.ts passes `{...query, ...params}`, where `query` comes from
 * shared/lib/router/utils/querystring.ts `searchParamsToUrlQuery` (a repeated key becomes a string[]).
 * Route params win over search params. An absent optional catch-all (value undefined) is skipped.
 * `ctx.params` of a catch-all is already the string[] Pages gives (decoded once; measured).
 */
export function query(request: Request, params?: Record<string, string | string[] | undefined>): PagesQuery {
  const search: Record<string, any> = {}
  new URL(request.url).searchParams.forEach((value, key) => {
    const existing = search[key]
    if (typeof existing === 'undefined') search[key] = value
    else if (Array.isArray(existing)) existing.push(value)
    else search[key] = [existing, value]
  })
  const defined = Object.entries(params ?? {}).filter(([, value]) => value !== undefined)
  return { ...search, ...Object.fromEntries(defined.map(([key, value]) => [key, Array.isArray(value) ? [...value] : value])) }
}
// @pages2app-helper-end query

// @pages2app-helper url
/**
 * `req.url`: the path plus the search as Next normalised it (the same string in both routers, measured),
 * except that Pages drops every search key named like one of the route's dynamic params
 * (`/api/i/5?id=x&a=1` -> `/api/i/5?a=1`, even for an absent optional catch-all). Pass the route's
 * param names, e.g. `url(request, ['id'])`.
 */
export function url(request: Request, paramNames?: readonly string[]): string {
  const parsed = new URL(request.url)
  for (const name of paramNames ?? []) parsed.searchParams.delete(name)
  return parsed.pathname + parsed.search
}
// @pages2app-helper-end url

// @pages2app-helper cookies requires=PagesCookies
/**
 * `req.cookies`: server/api-utils/get-cookie-parser.ts with the bundled `cookie@0.4` `parse`:
 * split on `; `, skip parts without `=`, trim, strip a leading quote pair, decodeURIComponent when
 * valid, and the FIRST duplicate wins. `{}` without a Cookie header.
 */
export function cookies(request: Request): PagesCookies {
  const header = request.headers.get('cookie')
  const out: Record<string, string> = {}
  if (!header) return out
  for (const pair of header.split(/; */)) {
    const eq = pair.indexOf('=')
    if (eq < 0) continue
    const key = pair.slice(0, eq).trim()
    let value = pair.slice(eq + 1).trim()
    if (value[0] === '"') value = value.slice(1, -1)
    if (out[key] == undefined) {
      try {
        out[key] = decodeURIComponent(value)
      } catch {
        out[key] = value
      }
    }
  }
  return out
}
// @pages2app-helper-end cookies

// @pages2app-helper headers requires=_http
/**
 * `req.headers`: Node `IncomingHttpHeaders`. Next builds `request.headers` from Node's object, so
 * values are already Node's (duplicates joined with `, `, cookie with `; `, single-value headers keep
 * the first). `set-cookie` is an array. Key order is alphabetical, not the wire order. Next drops a
 * `Next-Url` header before a Route Handler runs (and answers `RSC: 1` requests with a 307).
 */
export function headers(request: Request): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {}
  request.headers.forEach((value, key) => {
    if (key === 'set-cookie') (out['set-cookie'] ??= []).push(value)
    else out[key] = value
  })
  return out
}
// @pages2app-helper-end headers

// @pages2app-helper rawBody requires=_buffer
/** `bodyParser: false` reads (`buffer(req)` from micro, `getRawBody(req)`): the raw bytes, empty without a body. */
export async function rawBody(request: Request): Promise<Buffer> {
  return Buffer.from(await request.arrayBuffer())
}
// @pages2app-helper-end rawBody

// @pages2app-helper _parseBytes
/** The bundled `bytes.parse` (next/dist/compiled/bytes): '1mb' -> 1048576, '10b' -> 10, 'x' -> NaN (no limit). */
function _parseBytes(value: string | number): number | null {
  if (typeof value === 'number' && !isNaN(value)) return value
  if (typeof value !== 'string') return null
  const units: Record<string, number> = { b: 1, kb: 1 << 10, mb: 1 << 20, gb: 1 << 30, tb: Math.pow(1024, 4), pb: Math.pow(1024, 5) }
  const match = /^((-|\+)?(\d+(?:\.\d+)?)) *(kb|mb|gb|tb|pb)$/i.exec(value)
  if (!match) return Math.floor(parseInt(value, 10))
  return Math.floor(units[match[4]!.toLowerCase()]! * parseFloat(match[1]!))
}
// @pages2app-helper-end _parseBytes

// @pages2app-helper _parseContentType
/** The bundled `content-type` parse (next/dist/compiled/content-type): lower-cased type and params; throws when malformed. */
function _parseContentType(header: string): { type: string; parameters: Record<string, string> } {
  const paramRe = /; *([!#$%&'*+.^_`|~0-9A-Za-z-]+) *= *("(?:[\u000b\u0020\u0021\u0023-\u005b\u005d-\u007e\u0080-\u00ff]|\\[\u000b\u0020-\u00ff])*"|[!#$%&'*+.^_`|~0-9A-Za-z-]+) */g
  let index = header.indexOf(';')
  const type = index !== -1 ? header.slice(0, index).trim() : header.trim()
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(type)) throw new TypeError('invalid media type')
  const parameters: Record<string, string> = Object.create(null)
  if (index !== -1) {
    paramRe.lastIndex = index
    let match: RegExpExecArray | null
    while ((match = paramRe.exec(header))) {
      if (match.index !== index) throw new TypeError('invalid parameter format')
      index += match[0].length
      let value = match[2]!
      if (value[0] === '"') value = value.slice(1, -1).replace(/\\([\u000b\u0020-\u00ff])/g, '$1')
      parameters[match[1]!.toLowerCase()] = value
    }
    if (index !== header.length) throw new TypeError('invalid parameter format')
  }
  return { type: type.toLowerCase(), parameters }
}
// @pages2app-helper-end _parseContentType

// @pages2app-helper _decoder requires=_buffer
/**
 * raw-body's charset decoding (iconv-lite names: case and punctuation ignored). UTF-8 and UTF-16LE
 * drop a BOM like iconv-lite (UTF-16LE keeps lone surrogates). Other charsets go to the WHATWG
 * TextDecoder, which can differ from iconv-lite on legacy charsets; an unknown one throws.
 */
function _decoder(charset: string): (bytes: Buffer) => string {
  const name = charset.toLowerCase().replace(/:\d{4}$|[^0-9a-z]/g, '')
  if (name === 'utf8' || name === 'unicode11utf8') return (bytes) => new TextDecoder('utf-8').decode(bytes)
  if (name === 'ucs2' || name === 'utf16le') return (bytes) => bytes.toString('utf16le').replace(/^\uFEFF/, '')
  if (name === 'binary' || name === 'latin1' || name === 'iso88591') return (bytes) => bytes.toString('latin1')
  if (name === 'base64' || name === 'hex') return (bytes) => bytes.toString(name)
  const decoder = new TextDecoder(charset)
  return (bytes) => decoder.decode(bytes)
}
// @pages2app-helper-end _decoder

// @pages2app-helper _readLimited requires=_buffer
/** raw-body's read: the whole body, or null as soon as more than `limit` bytes arrived (null/NaN limit = none). */
async function _readLimited(request: Request, limit: number | null): Promise<Buffer | null> {
  const chunks: Uint8Array[] = []
  let received = 0
  if (request.body) {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received += value.length
      if (limit !== null && received > limit) {
        reader.cancel().catch(() => {})
        return null
      }
      chunks.push(value)
    }
  }
  return Buffer.concat(chunks)
}
// @pages2app-helper-end _readLimited

// @pages2app-helper _respond
/** A Response with Node's rules: bytes as given (no Content-Type added), no body for 204/205/304. */
function _respond(body: string | Uint8Array | null, status: number, statusText: string | undefined, headers: Headers): Response {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body === null ? null : new Uint8Array(body)
  const nullBody = status === 101 || status === 103 || status === 204 || status === 205 || status === 304
  return new Response(nullBody ? null : bytes, { status, statusText: statusText ?? '', headers })
}
// @pages2app-helper-end _respond

// @pages2app-helper _bodyErrors
/** The body parser's own answers (400/413), which Pages sent before any wrapper of the handler ran. */
const _bodyErrors = new WeakSet<Response>()
// @pages2app-helper-end _bodyErrors

// @pages2app-helper _parseBody requires=_querystring,_parseBytes,_parseContentType,_decoder,_readLimited,_respond,_bodyErrors
/**
 * `req.body` with the default bodyParser (server/api-utils/node/parse-body.ts). A missing or malformed
 * Content-Type means text/plain; JSON (also ld+json): '' -> {}, invalid -> 400 "Invalid JSON";
 * urlencoded -> querystring.decode; anything else -> the string. Over `sizeLimit` (default '1mb')
 * -> 413 "Body exceeded <limit> limit"; unknown charset or a broken stream -> 400 "Invalid body".
 * Errors come back as a Response (status line and body like api-utils `sendError`): return it.
 * Next hands Route Handlers no body for GET/HEAD, so there it is always '' (or {} for JSON).
 */
async function _parseBody(request: Request, options?: { sizeLimit?: string | number }): Promise<any> {
  const limit = options?.sizeLimit || '1mb'
  const error = (status: number, message: string) => {
    const answer = _respond(message, status, message, new Headers())
    _bodyErrors.add(answer)
    return answer
  }
  let contentType: { type: string; parameters: Record<string, string> }
  try {
    contentType = _parseContentType(request.headers.get('content-type') || 'text/plain')
  } catch {
    contentType = _parseContentType('text/plain')
  }
  let text: string
  try {
    const decode = _decoder(contentType.parameters['charset'] || 'utf-8')
    const bytes = await _readLimited(request, _parseBytes(limit))
    if (bytes === null) return error(413, `Body exceeded ${limit} limit`)
    text = decode(bytes)
  } catch {
    return error(400, 'Invalid body')
  }
  if (contentType.type === 'application/json' || contentType.type === 'application/ld+json') {
    if (text.length === 0) return {}
    try {
      return JSON.parse(text)
    } catch {
      return error(400, 'Invalid JSON')
    }
  }
  if (contentType.type === 'application/x-www-form-urlencoded') return _querystringDecode(text)
  return text
}
// @pages2app-helper-end _parseBody

// @pages2app-helper body requires=_parseBody
/**
 * `req.body`: parsed once per request, like Pages did before the handler ran, so a route and the
 * functions it hands the request to share one parse (a body stream can be read only once).
 */
const _bodies = new WeakMap<Request, Promise<any>>()
export function body(request: Request, options?: { sizeLimit?: string | number }): Promise<any> {
  let parsed = _bodies.get(request)
  if (!parsed) {
    parsed = _parseBody(request, options)
    _bodies.set(request, parsed)
  }
  return parsed
}
// @pages2app-helper-end body

// @pages2app-helper _httpMessages
import type { IncomingMessage as NodeIncomingMessage } from 'node:http'
import type { ServerResponse as NodeServerResponse } from 'node:http'
// @pages2app-helper-end _httpMessages

// @pages2app-helper nextAuthRequest requires=headers,cookies,PagesCookies,_httpMessages
/**
 * The `req` of next-auth's `getServerSession(req, res, authOptions)`: next-auth 4 reads only
 * `req.headers` and `req.cookies` (next-auth/next `getServerSession`), here as Pages gave them.
 * @returns the request as next-auth reads it
 */
export function nextAuthRequest(request: Request): NodeIncomingMessage & { cookies: PagesCookies } {
  return ({ headers: headers(request), cookies: cookies(request) }) as unknown as NodeIncomingMessage & { cookies: PagesCookies }
}
// @pages2app-helper-end nextAuthRequest

// @pages2app-helper nextAuthResponse requires=getHeader,setHeader,_httpMessages
/**
 * The `res` of next-auth's `getServerSession(req, res, authOptions)`: next-auth 4 writes the
 * refreshed (sliding expiry) or cleared session cookie with `res.getHeader('Set-Cookie')` and
 * `res.setHeader('Set-Cookie', [...])`; here they land in the route's response headers.
 * @returns the response next-auth writes its cookies to
 */
export function nextAuthResponse(headers: Headers): NodeServerResponse {
  return ({
    getHeader: (name: string) => getHeader(headers, name),
    setHeader: (name: string, value: number | string | readonly string[]) => setHeader(headers, name, value),
  }) as unknown as NodeServerResponse
}
// @pages2app-helper-end nextAuthResponse

// @pages2app-helper _headerValues
/** The values `setHeader` was given, as given, for `getHeader` (Node's ServerResponse keeps them so). */
const _headerValues = new WeakMap<Headers, Map<string, number | string | readonly string[]>>()
// @pages2app-helper-end _headerValues

// @pages2app-helper setHeader requires=_headerValues
/** `res.setHeader(name, value)` into a Headers bag: replaces, a number becomes a string, an array gives one header line per item. */
export function setHeader(headers: Headers, name: string, value: number | string | readonly string[]): void {
  headers.delete(name)
  if (typeof value === 'object') for (const item of value) headers.append(name, item)
  else headers.set(name, String(value))
  let values = _headerValues.get(headers)
  if (!values) _headerValues.set(headers, (values = new Map()))
  values.set(name.toLowerCase(), value)
}
// @pages2app-helper-end setHeader

// @pages2app-helper getHeader requires=_headerValues
/**
 * `res.getHeader(name)`: the value as it was set (a number stays a number, an array an array),
 * `undefined` when the header is absent. A header written another way reads back as its text.
 */
export function getHeader(headers: Headers, name: string): number | string | string[] | undefined {
  const key = name.toLowerCase()
  const lines = key === 'set-cookie' ? headers.getSetCookie() : headers.has(key) ? [headers.get(key) as string] : []
  if (lines.length === 0) return undefined
  const set = _headerValues.get(headers)?.get(key)
  if (set !== undefined && [set].flat().join(', ') === lines.join(', ')) return typeof set === 'object' ? [...set] : set
  return lines.length === 1 ? lines[0] : lines
}
// @pages2app-helper-end getHeader

// @pages2app-helper _generateETag
/** server/lib/etag.ts `generateETag`: FNV-1a 52-bit over UTF-16 code units, base 36, plus the length. */
function _generateETag(payload: string): string {
  const len = payload.length
  let i = 0, t0 = 0, v0 = 0x2325, t1 = 0, v1 = 0x8422, t2 = 0, v2 = 0x9ce4, t3 = 0, v3 = 0xcbf2
  while (i < len) {
    v0 ^= payload.charCodeAt(i++)
    t0 = v0 * 435
    t1 = v1 * 435
    t2 = v2 * 435
    t3 = v3 * 435
    t2 += v0 << 8
    t3 += v1 << 8
    t1 += t0 >>> 16
    v0 = t0 & 65535
    t2 += t1 >>> 16
    v1 = t1 & 65535
    v3 = (t3 + (t2 >>> 16)) & 65535
    v2 = t2 & 65535
  }
  const hash = (v3 & 15) * 281474976710656 + v2 * 4294967296 + v1 * 65536 + (v0 ^ (v3 >> 4))
  return '"' + hash.toString(36) + payload.length.toString(36) + '"'
}
// @pages2app-helper-end _generateETag

// @pages2app-helper _fresh
/** The bundled `fresh` (server/send-payload.ts `sendEtagResponse`): does the request's cache validator match `etag`? */
function _fresh(headers: Headers, etag: string): boolean {
  const modifiedSince = headers.get('if-modified-since')
  const noneMatch = headers.get('if-none-match')
  if (!modifiedSince && !noneMatch) return false
  const cacheControl = headers.get('cache-control')
  if (cacheControl && /(?:^|,)\s*?no-cache\s*?(?:,|$)/.test(cacheControl)) return false
  if (noneMatch && noneMatch !== '*') {
    const tokens: string[] = []
    let start = 0, end = 0
    for (let i = 0; i < noneMatch.length; i++) {
      const code = noneMatch.charCodeAt(i)
      if (code === 32) {
        if (start === end) start = end = i + 1
      } else if (code === 44) {
        tokens.push(noneMatch.substring(start, end))
        start = end = i + 1
      } else end = i + 1
    }
    tokens.push(noneMatch.substring(start, end))
    if (!tokens.some((token) => token === etag || token === 'W/' + etag || 'W/' + token === etag)) return false
  }
  // Pages passes no Last-Modified, so any If-Modified-Since makes the response stale.
  return !modifiedSince
}
// @pages2app-helper-end _fresh

// @pages2app-helper _send requires=_buffer,_stream,_generateETag,_fresh,_respond
/**
 * server/api-utils/node/api-resolver.ts `sendData` (res.send): null/undefined -> empty; status 204/304
 * -> drop body, Content-Type, Content-Length; Node stream -> piped (octet-stream unless set);
 * object/number/boolean -> JSON.stringify (so a plain Uint8Array becomes `{"0":..}`). Then the ETag of
 * that string (a Buffer's ETag is taken over JSON.stringify(buffer)) and 304 when it is fresh;
 * Buffer -> its bytes (octet-stream unless set); JSON-like -> forces application/json; string -> as is,
 * no Content-Type. (Next strips Content-Length from Route Handler responses, so none is set.)
 */
function _send(request: Request, value: unknown, init: ResponseInit | undefined, headers: Headers): Response {
  const status = init?.status ?? 200
  const statusText = init?.statusText ?? ''
  if (value === null || value === undefined) return _respond(null, status, statusText, headers)
  if (status === 204 || status === 304) {
    headers.delete('content-type')
    headers.delete('content-length')
    headers.delete('transfer-encoding')
    return _respond(null, status, statusText, headers)
  }
  const contentType = headers.get('content-type')
  if (value instanceof Stream) {
    if (!contentType) headers.set('content-type', 'application/octet-stream')
    const stream = Readable.toWeb(value as Readable) as unknown as ReadableStream<Uint8Array>
    return new Response(stream, { status, statusText, headers })
  }
  const isJSONLike = ['object', 'number', 'boolean'].includes(typeof value)
  const payload = (isJSONLike ? JSON.stringify(value) : value) as string
  const etag = _generateETag(payload)
  headers.set('etag', etag)
  if (_fresh(request.headers, etag)) return _respond(null, 304, undefined, headers)
  if (Buffer.isBuffer(value)) {
    if (!contentType) headers.set('content-type', 'application/octet-stream')
    return _respond(value, status, statusText, headers)
  }
  if (isJSONLike) headers.set('content-type', 'application/json; charset=utf-8')
  return _respond(payload, status, statusText, headers)
}
// @pages2app-helper-end _send

// @pages2app-helper json requires=_send
/**
 * `res.json(value)` (api-resolver.ts `sendJson`): always sets `application/json; charset=utf-8`, then
 * `res.send(JSON.stringify(value))`, so ETag/304 and the 204/304 rules apply ('' body for undefined).
 */
export function json(request: Request, value: unknown, init?: ResponseInit): Response {
  const headers = new Headers(init?.headers)
  headers.set('content-type', 'application/json; charset=utf-8')
  return _send(request, JSON.stringify(value), init, headers)
}
// @pages2app-helper-end json

// @pages2app-helper send requires=_send
/** `res.send(value)` (api-resolver.ts `sendData`, see `_send`). `init` carries the status and the headers set so far. */
export function send(request: Request, value: unknown, init?: ResponseInit): Response {
  return _send(request, value, init, new Headers(init?.headers))
}
// @pages2app-helper-end send

// @pages2app-helper end requires=_respond
/** `res.end(data?)`: Node's end, so no Content-Type and no ETag; a string is sent as UTF-8. */
export function end(value?: string | Uint8Array | null, init?: ResponseInit): Response {
  return _respond(value ?? null, init?.status ?? 200, init?.statusText, new Headers(init?.headers))
}
// @pages2app-helper-end end

// @pages2app-helper redirect requires=_respond
/**
 * `res.redirect([status,] url)` (server/api-utils/index.ts `redirect`): `writeHead(status, {Location})`
 * keeps headers set before, ignores an earlier `res.status()`, default 307; the body is the URL text.
 */
export function redirect(url: string, status: number = 307, init?: ResponseInit): Response {
  if (typeof status !== 'number' || typeof url !== 'string') {
    throw new Error(`Invalid redirect arguments. Please use a single argument URL, e.g. res.redirect('/destination') or use a status code and URL, e.g. res.redirect(307, '/destination').`)
  }
  const headers = new Headers(init?.headers)
  headers.set('location', url)
  return _respond(url, status, init?.statusText, headers)
}
// @pages2app-helper-end redirect

// @pages2app-helper withHeaders requires=_bodyErrors
/**
 * The Response of a handler whose wrapper set response headers before calling it: those headers
 * where the handler's Response left them unset, as Pages' `res` carried them to the handler (a
 * header the handler set replaces the wrapper's; several `Set-Cookie` lines stay several). The body
 * parser's 400/413 stays as it is: Pages sent it before the wrapper ran.
 */
export async function withHeaders(response: Response | Promise<Response>, headers: Headers): Promise<Response> {
  let out = await response
  if (_bodyErrors.has(out)) return out
  const missing: [string, string][] = []
  headers.forEach((value, name) => {
    if (!out.headers.has(name)) missing.push([name, value])
  })
  let copied = false
  for (const [name, value] of missing) {
    try {
      out.headers.append(name, value)
    } catch (error) {
      if (copied) throw error
      // A Response whose headers are immutable (Response.redirect, a fetch): copy it first.
      out = new Response(out.body, out)
      copied = true
      out.headers.append(name, value)
    }
  }
  return out
}
// @pages2app-helper-end withHeaders

// @pages2app-helper connect requires=headers,url,getHeader,setHeader,_httpMessages
/**
 * `await runMiddleware(req, res, fn)` of a Connect-style middleware (`cors()`: `(req, res, next)`),
 * as the Next.js api-routes-cors example runs it: the middleware sees the request's method, URL
 * and headers as Pages gave them, and a `res` whose `setHeader`/`getHeader`/`removeHeader` work
 * on `responseHeaders`. Resolves `undefined` when it calls `next()` (its headers stay in
 * `responseHeaders` for the route's answer), the Response it sent when it ends the response
 * itself (a CORS preflight's 204: in Pages the handler never went on), and rejects with what it
 * passed to `next(error)`.
 */
export function connect(
  request: Request,
  responseHeaders: Headers,
  middleware: (req: NodeIncomingMessage, res: NodeServerResponse, next: (result?: unknown) => void) => unknown,
): Promise<Response | undefined> {
  return new Promise((resolve, reject) => {
    const res = {
      statusCode: 200,
      headersSent: false,
      getHeader: (name: string) => getHeader(responseHeaders, name),
      setHeader: (name: string, value: number | string | readonly string[]) => {
        setHeader(responseHeaders, name, value)
        return res
      },
      removeHeader: (name: string) => responseHeaders.delete(name),
      hasHeader: (name: string) => responseHeaders.has(name),
      end: (chunk?: string | Uint8Array) => {
        res.headersSent = true
        const empty = chunk == null || res.statusCode === 204 || res.statusCode === 304 || request.method === 'HEAD'
        const body = empty ? null : typeof chunk === 'string' ? chunk : new Uint8Array(chunk)
        resolve(new Response(body, { status: res.statusCode, headers: responseHeaders }))
        return res
      },
    }
    const req = { method: request.method, url: url(request), headers: headers(request) }
    try {
      middleware(req as unknown as NodeIncomingMessage, res as unknown as NodeServerResponse, (result) =>
        result instanceof Error ? reject(result) : resolve(undefined),
      )
    } catch (error) {
      reject(error)
    }
  })
}
// @pages2app-helper-end connect

// @pages2app-helper _adapterImports
import { IncomingMessage, validateHeaderName, validateHeaderValue } from 'node:http'
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http'
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import { revalidatePath } from 'next/cache'
import { draftMode } from 'next/headers'
import type { NextApiRequest, NextApiResponse } from 'next'
// @pages2app-helper-end _adapterImports

// @pages2app-helper _PagesResponse requires=_buffer,_stream,_adapterImports,_generateETag,_fresh
/**
 * A Node `ServerResponse` look-alike with the Pages helpers (server/api-utils/node/api-resolver.ts):
 * Node's header store (`setHeader`/`getHeader(s)`/`appendHeader`/`removeHeader`, ERR_HTTP_HEADERS_SENT),
 * `writeHead` in all its forms, and a Writable (`write`, `end`, `pipe()` into it, 'finish' then 'close').
 * The headers are committed at `writeHead`, the first `write`, `flushHeaders` or `end`: `onCommit` gets
 * the Response then, and later writes flow into its body stream chunk by chunk.
 */
class _PagesResponse extends Writable {
  statusCode = 200
  statusMessage: string | undefined = undefined
  sendDate = true
  readonly req: IncomingMessage
  readonly socket: unknown
  readonly connection: unknown
  status: (statusCode: number) => this
  send: (body: unknown) => void
  json: (body: unknown) => void
  redirect: (statusOrUrl: number | string, url?: string) => this
  revalidate: (urlPath: string, opts?: { unstable_onlyGenerated?: boolean }) => Promise<void>
  setDraftMode: (options?: { enable: boolean }) => this
  setPreviewData: (data: unknown, options?: object) => this
  clearPreviewData: (options?: { path?: string }) => this
  private readonly _outHeaders = new Map<string, [string, OutgoingHttpHeader]>()
  private _controller: ReadableStreamDefaultController<Uint8Array> | undefined = undefined
  private _committed = false
  private readonly _onCommit: (response: Response) => void

  constructor(request: Request, req: IncomingMessage, socket: unknown, draft: { enable(): void; disable(): void }, onCommit: (response: Response) => void) {
    super()
    this.req = req
    this.socket = socket
    this.connection = socket
    this._onCommit = onCommit
    this.status = (statusCode) => {
      this.statusCode = statusCode
      return this
    }
    this.send = (body) => {
      if (body === null || body === undefined) {
        this.end()
        return
      }
      if (this.statusCode === 204 || this.statusCode === 304) {
        this.removeHeader('Content-Type')
        this.removeHeader('Content-Length')
        this.removeHeader('Transfer-Encoding')
        this.end()
        return
      }
      const contentType = this.getHeader('Content-Type')
      if (body instanceof Stream) {
        if (!contentType) this.setHeader('Content-Type', 'application/octet-stream')
        body.pipe(this)
        return
      }
      const isJSONLike = ['object', 'number', 'boolean'].includes(typeof body)
      const stringified = (isJSONLike ? JSON.stringify(body) : body) as string
      const etag = _generateETag(stringified)
      this.setHeader('ETag', etag)
      if (_fresh(request.headers, etag)) {
        this.statusCode = 304
        this.end()
        return
      }
      if (Buffer.isBuffer(body)) {
        if (!contentType) this.setHeader('Content-Type', 'application/octet-stream')
        this.setHeader('Content-Length', body.length)
        this.end(body)
        return
      }
      if (isJSONLike) this.setHeader('Content-Type', 'application/json; charset=utf-8')
      this.setHeader('Content-Length', Buffer.byteLength(stringified))
      this.end(stringified)
    }
    this.json = (body) => {
      this.setHeader('Content-Type', 'application/json; charset=utf-8')
      this.send(JSON.stringify(body))
    }
    this.redirect = (statusOrUrl, url) => {
      if (typeof statusOrUrl === 'string') {
        url = statusOrUrl
        statusOrUrl = 307
      }
      if (typeof statusOrUrl !== 'number' || typeof url !== 'string') {
        throw new Error(`Invalid redirect arguments. Please use a single argument URL, e.g. res.redirect('/destination') or use a status code and URL, e.g. res.redirect(307, '/destination').`)
      }
      this.writeHead(statusOrUrl, { Location: url })
      this.write(url)
      this.end()
      return this
    }
    // Pages regenerated the page before resolving; revalidatePath only marks it for the next visit.
    this.revalidate = async (urlPath) => {
      if (typeof urlPath !== 'string' || !urlPath.startsWith('/')) {
        throw new Error(`Invalid urlPath provided to revalidate(), must be a path e.g. /blog/post-1, received ${urlPath}`)
      }
      revalidatePath(urlPath)
    }
    this.setDraftMode = (options = { enable: true }) => {
      if (options.enable) draft.enable()
      else draft.disable()
      return this
    }
    this.setPreviewData = () => {
      throw new Error('res.setPreviewData() has no App Router equivalent (preview data is gone); use res.setDraftMode({ enable: true }) or draftMode() from next/headers')
    }
    this.clearPreviewData = (options = {}) => {
      const path = options.path ?? '/'
      const attributes = `; Path=${path}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=None`
      const previous = this.getHeader('Set-Cookie')
      const kept = typeof previous === 'string' ? [previous] : Array.isArray(previous) ? previous : []
      this.setHeader('Set-Cookie', [...kept, `__prerender_bypass=${attributes}`, `__next_preview_data=${attributes}`])
      return this
    }
  }

  get headersSent(): boolean {
    return this._committed
  }
  get finished(): boolean {
    return this.writableEnded
  }
  private _notSent(what: string): void {
    if (this._committed) throw Object.assign(new Error(`Cannot ${what} headers after they are sent to the client`), { code: 'ERR_HTTP_HEADERS_SENT' })
  }
  setHeader(name: string, value: OutgoingHttpHeader): this {
    this._notSent('set')
    validateHeaderName(name)
    validateHeaderValue(name, value as string)
    this._outHeaders.set(name.toLowerCase(), [name, value])
    return this
  }
  appendHeader(name: string, value: OutgoingHttpHeader): this {
    const existing = this._outHeaders.get(name.toLowerCase())
    if (!existing) return this.setHeader(name, value)
    this._notSent('append')
    validateHeaderValue(name, value as string)
    const list = (v: OutgoingHttpHeader): (string | number)[] => (Array.isArray(v) ? v : [v])
    existing[1] = [...list(existing[1]), ...list(value)] as string[]
    return this
  }
  getHeader(name: string): OutgoingHttpHeader | undefined {
    return this._outHeaders.get(name.toLowerCase())?.[1]
  }
  getHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = Object.create(null)
    for (const [key, [, value]] of this._outHeaders) out[key] = value
    return out
  }
  getHeaderNames(): string[] {
    return [...this._outHeaders.keys()]
  }
  hasHeader(name: string): boolean {
    return this._outHeaders.has(name.toLowerCase())
  }
  removeHeader(name: string): void {
    this._notSent('remove')
    this._outHeaders.delete(name.toLowerCase())
  }
  /** `writeHead(status[, statusMessage][, headers])`: headers as an object or [k, v] pairs (a later pair of the same name wins, as measured on Pages). */
  writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    this._notSent('write')
    if (typeof reason === 'string') this.statusMessage = reason
    else headers ??= reason
    const code = statusCode | 0
    if (code < 100 || code > 999) throw Object.assign(new RangeError(`Invalid status code: ${statusCode}`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' })
    this.statusCode = code
    if (Array.isArray(headers)) {
      const list: unknown[] = headers
      // Pages answers a flat [k, v, ...] list with a 500 (measured on next 16.4.6; plain Node accepts it).
      if (list.length > 0 && !Array.isArray(list[0])) throw new TypeError('res.writeHead: a flat header list is not supported by Next.js Pages responses')
      const pairs = list as unknown[][]
      for (const [key, value] of pairs) if (key !== undefined && value !== undefined) this.setHeader(String(key), value as OutgoingHttpHeader)
    } else if (headers) {
      for (const [key, value] of Object.entries(headers)) if (value !== undefined) this.setHeader(key, value)
    }
    this._commit()
    return this
  }
  flushHeaders(): void {
    this._commit()
  }
  setTimeout(): this {
    return this
  }
  addTrailers(): void {}
  write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (this.writableEnded) {
      const error = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' })
      if (typeof callback === 'function') process.nextTick(callback, error)
      else if (typeof encoding === 'function') process.nextTick(encoding, error)
      return false
    }
    this._commit()
    return super.write(chunk, encoding as BufferEncoding, callback as (error: Error | null | undefined) => void)
  }
  end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (this.writableEnded) {
      const done = [chunk, encoding, callback].find((a) => typeof a === 'function') as (() => void) | undefined
      if (done) process.nextTick(done)
      return this
    }
    this._commit()
    super.end(chunk, encoding as BufferEncoding, callback as () => void)
    return this
  }
  _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this._controller?.enqueue(new Uint8Array(chunk))
    } catch {}
    callback()
  }
  _final(callback: (error?: Error | null) => void): void {
    try {
      this._controller?.close()
    } catch {}
    callback()
  }
  /** The client went away: Node emits 'close' on the response (and 'aborted', 'close' on the request). */
  abort(): void {
    if (this.writableFinished) return
    this.destroy()
  }
  private _commit(): void {
    if (this._committed) return
    this._committed = true
    const headers = new Headers()
    for (const [, [name, value]] of this._outHeaders) {
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, String(item))
    }
    const status = this.statusCode
    const nullBody = status === 204 || status === 205 || status === 304
    const body = nullBody
      ? null
      : new ReadableStream<Uint8Array>({
          start: (controller) => {
            this._controller = controller
          },
          cancel: () => this.abort(),
        })
    this._onCommit(new Response(body, { status, statusText: this.statusMessage ?? '', headers }))
  }
}
// @pages2app-helper-end _PagesResponse

// @pages2app-helper adapt requires=_buffer,_adapterImports,_PagesResponse,query,url,cookies,headers,_parseBody
/** The route's `config.api.bodyParser` and its dynamic param names (Pages drops search keys named like them from `req.url`). */
export type AdaptOptions = { bodyParser?: false | { sizeLimit?: string | number }; params?: readonly string[] }
/** A Pages API handler, typed loosely enough for wrappers and handlers typed with their own req/res types. */
export type PagesApiHandler = { bivarianceHack(req: NextApiRequest, res: NextApiResponse): unknown }['bivarianceHack']
/**
 * Runs a Pages API handler, unchanged, as a Route Handler: `req` is a real `IncomingMessage` (the body
 * as its stream; `headers`, `rawHeaders`, `method`, `url`, `socket.remoteAddress`) plus `query`,
 * `cookies`, `body` (the default bodyParser with its 400/413 before the handler runs, or the raw stream
 * with `bodyParser: false`), `preview`/`draftMode`; `res` is `_PagesResponse`. The Response is returned
 * as soon as the handler commits its headers, its body carrying the later writes (streaming, SSE). A
 * handler that never responds leaves the request open, as Pages did. A throw before the headers gives
 * Pages' `500 Internal Server Error` (an ApiError its own status and message); after them, the message
 * ends the body, as Pages' `sendError` did.
 */
export function adapt(handler: PagesApiHandler, options: AdaptOptions = {}): (request: Request, context?: { params?: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response> {
  return async (request, context) => {
    const params = (await context?.params) ?? {}
    const draft = await draftMode()
    const forwarded = (request.headers.get('x-forwarded-for') ?? '').split(',')
    const remoteAddress = forwarded[forwarded.length - 1]?.trim() || undefined
    const encrypted = request.headers.get('x-forwarded-proto') === 'https' ? true : undefined
    const socket = new EventEmitter() as EventEmitter & Record<string, unknown>
    Object.assign(socket, { remoteAddress, remoteFamily: remoteAddress?.includes(':') ? 'IPv6' : 'IPv4', encrypted, readable: false, writable: true, destroyed: false, destroy: () => socket, setTimeout: () => socket, setNoDelay: () => socket, setKeepAlive: () => socket, ref: () => socket, unref: () => socket, end: () => socket })
    const req = new IncomingMessage(socket as never) as IncomingMessage & Record<string, unknown>
    req.method = request.method
    req.url = url(request, options.params)
    req.httpVersion = '1.1'
    req.httpVersionMajor = 1
    req.httpVersionMinor = 1
    req.headers = headers(request)
    const raw: string[] = []
    request.headers.forEach((value, key) => raw.push(key, value))
    req.rawHeaders = raw
    req['query'] = query(request, params)
    Object.defineProperty(req, 'cookies', {
      configurable: true,
      enumerable: true,
      get: () => {
        const value = cookies(request)
        Object.defineProperty(req, 'cookies', { configurable: true, enumerable: true, writable: true, value })
        return value
      },
    })
    req['preview'] = draft.isEnabled ? true : undefined
    req['draftMode'] = req['preview']
    req['previewData'] = draft.isEnabled ? {} : false
    // Node's own _read stops waiting for the socket parser on its first call; this stream has none.
    ;(req['_readableState'] as { readingMore: boolean }).readingMore = false
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
    const bodyParser = options.bodyParser
    req._read = () => {
      if (bodyParser !== false || !request.body) {
        req.complete = true
        req.push(null)
        return
      }
      reader ??= request.body.getReader()
      reader.read().then(
        ({ done, value }) => {
          if (done) {
            req.complete = true
            req.push(null)
          } else req.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))
        },
        (error: Error) => req.destroy(error),
      )
    }
    req._destroy = (error, callback) => callback(error)
    if (bodyParser !== false) {
      const parsed = await _parseBody(request, bodyParser?.sizeLimit === undefined ? {} : { sizeLimit: bodyParser.sizeLimit })
      if (parsed instanceof Response) return parsed
      req['body'] = parsed
    }
    return new Promise<Response>((resolve) => {
      const res = new _PagesResponse(request, req, socket, draft, resolve)
      request.signal.addEventListener('abort', () => {
        if (res.writableFinished) return
        req.aborted = true
        req.emit('aborted')
        req.destroy()
        res.abort()
      })
      const fail = (error: unknown) => {
        const api = error instanceof Error && error.constructor.name === 'ApiError' && typeof (error as Error & { statusCode?: unknown }).statusCode === 'number'
        if (!api) console.error(error)
        if (res.writableEnded) return
        const status = api ? (error as Error & { statusCode: number }).statusCode : 500
        const message = api ? (error as Error).message : 'Internal Server Error'
        if (!res.headersSent) {
          res.statusCode = status
          res.statusMessage = message
        }
        res.end(message)
      }
      try {
        Promise.resolve(handler(req as unknown as NextApiRequest, res as unknown as NextApiResponse)).catch(fail)
      } catch (error) {
        fail(error)
      }
    })
  }
}
// @pages2app-helper-end adapt
