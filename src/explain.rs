//! `pages2app explain CODE`: what a diagnostic means, why the tool did not (or could not) rewrite
//! the file, and a before/after example of the fix, like `rustc --explain`.
//!
//! Every [`Code`] has an entry: [`explanation`] is an exhaustive `match`, so a new code does not
//! compile without its text, and a test checks that each has a before and an after.

use crate::diagnostics::{Code, CodeInfo, Severity, CODES};

/// One code's long explanation. Prose is plain text: paragraphs separated by a blank line, list
/// items starting with `- `; [`render`] wraps it.
pub struct Explanation {
    /// What the diagnostic means, in the user's terms.
    pub meaning: &'static str,
    /// Errors: why the tool left the file as it is. Warnings and notes: what it did.
    pub why: &'static str,
    /// What to do by hand.
    pub fix: &'static str,
    pub before: Example,
    pub after: Example,
}

/// A code example: the file it is in and its text.
pub struct Example {
    pub path: &'static str,
    pub code: &'static str,
}

const fn ex(path: &'static str, code: &'static str) -> Example {
    Example { path, code }
}

/// Finds a code by id (`P2A108`, `p2a108`, `108`) or name (`response-not-in-tail`).
pub fn lookup(query: &str) -> Option<&'static CodeInfo> {
    let q = query.trim();
    if let Some(info) = Code::by_id(q) {
        return Some(info);
    }
    let lower = q.to_ascii_lowercase();
    CODES.iter().find(|c| {
        c.name == lower || c.id[3..] == lower || c.id.eq_ignore_ascii_case(&format!("P2A{lower}"))
    })
}

/// The long explanation of `code`.
pub fn explanation(code: Code) -> Explanation {
    match code {
        Code::ParseError => Explanation {
            meaning: "The file is not valid JavaScript or TypeScript for its extension. pages2app parses `.ts` as TypeScript, `.tsx` as TypeScript with JSX, and `.js`, `.jsx` and `.mjs` as JavaScript with JSX, all as ES modules. The message gives the line and column of the first syntax error.",
            why: "Every rewrite is an edit at a position in the syntax tree. Without a tree the tool cannot know what the handler does, so it changes nothing in the file.",
            fix: "Fix the syntax error, then run pages2app again. The usual causes:\n- TypeScript syntax (types, `import type`) in a `.js` file: rename it to `.ts`.\n- JSX in a `.ts` file: rename it to `.tsx`.\n- A merge-conflict marker or a half-finished edit.",
            before: ex(
                "pages/api/hello.js",
                "import type { NextApiRequest, NextApiResponse } from 'next'\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.status(200).json({ hello: 'world' })\n}",
            ),
            after: ex(
                "pages/api/hello.ts",
                "// Same text, in a file whose extension matches its syntax:\n// git mv pages/api/hello.js pages/api/hello.ts\nimport type { NextApiRequest, NextApiResponse } from 'next'\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.status(200).json({ hello: 'world' })\n}",
            ),
        },
        Code::ReadError => Explanation {
            meaning: "The file, or a folder on the way to it, could not be read: no permission, not a regular file (a broken symlink, a socket), or text that is not UTF-8 (an editor saved it as Latin-1 or UTF-16). The message says which.",
            why: "A file the tool cannot read as UTF-8 text cannot be parsed, and rewriting a guess of its bytes could corrupt it. It is reported and left alone; the other files are migrated.",
            fix: "Make the file readable UTF-8 text, then run pages2app again.",
            before: ex("terminal", "$ file pages/api/legacy.js\npages/api/legacy.js: ISO-8859 text\n$ ls -l pages/api/secret.ts\n--w------- 1 ci ci 412 pages/api/secret.ts"),
            after: ex(
                "terminal",
                "$ iconv -f ISO-8859-1 -t UTF-8 pages/api/legacy.js > /tmp/legacy.js && mv /tmp/legacy.js pages/api/legacy.js\n$ chmod u+r pages/api/secret.ts\n$ pages2app migrate --dry-run .",
            ),
        },
        Code::TargetExists => Explanation {
            meaning: "A Route Handler already serves this URL in the app folder (inside the route group or outside it, e.g. `app/api/users/route.ts`), or the target file already exists. The same code is used when the compat module path (`_pages2app/compat.ts`) holds a file that pages2app did not write.",
            why: "pages2app never overwrites a file. Two handlers for one URL are a build error anyway (`Conflicting route and page`, or `App Router and Pages Router both match path`), and only you know which code should win.",
            fix: "Merge the Pages handler into the existing route by hand (add the HTTP methods it answers that the route does not export yet), delete the file in pages/api, and run pages2app again for the rest. If the existing route is a stale leftover, delete it instead and run pages2app again.",
            before: ex(
                "pages/api/users.ts  (and app/api/users/route.ts exports only GET)",
                "export default async function handler(req: NextApiRequest, res: NextApiResponse) {\n  if (req.method === 'POST') {\n    const user = await createUser(req.body)\n    return res.status(201).json(user)\n  }\n  res.json(await listUsers())\n}",
            ),
            after: ex(
                "app/api/users/route.ts  (pages/api/users.ts deleted)",
                "export async function GET() {\n  return Response.json(await listUsers())\n}\n\n// Added from pages/api/users.ts\nexport async function POST(request: Request) {\n  const user = await createUser(await request.json())\n  return Response.json(user, { status: 201 })\n}",
            ),
        },
        Code::TargetConflict => Explanation {
            meaning: "Two files in pages/api map to the same Route Handler: `pages/api/a.ts` and `pages/api/a/index.ts` both serve `/api/a`, and `[id].ts` and `[slug].ts` in one folder are the same dynamic route. With custom `pageExtensions`, `a.ts` and `a.api.ts` can clash too.",
            why: "A folder holds one `route.ts`. Picking one file would silently drop the other's behaviour, so neither is migrated.",
            fix: "Decide which file really serves the URL (Next warns about `Duplicate page detected` for the Pages pair), merge anything the other one did into it, delete the other, and run pages2app again.",
            before: ex(
                "pages/api/posts.ts  and  pages/api/posts/index.ts",
                "// pages/api/posts.ts\nexport default function handler(req, res) {\n  res.json(listPosts())\n}\n\n// pages/api/posts/index.ts (an older copy)\nexport default function handler(req, res) {\n  res.json(listPosts({ drafts: false }))\n}",
            ),
            after: ex(
                "pages/api/posts/index.ts  (pages/api/posts.ts deleted)",
                "export default function handler(req, res) {\n  res.json(listPosts({ drafts: false }))\n}",
            ),
        },
        Code::InternalError => Explanation {
            meaning: "pages2app failed on this file: the code it generated did not parse again, or it crashed. This is a bug in pages2app, not in your code.",
            why: "Generated code is re-parsed before anything is printed or written. When that check fails, the file is reported and nothing is written for it; the rest of the run is not affected.",
            fix: "Please report it with the smallest version of the file that still fails (`pages2app migrate --dry-run` on a folder with just that file reproduces it). Meanwhile, migrate this file by hand: one exported function per HTTP method that returns a Response.",
            before: ex(
                "pages/api/ping.ts",
                "export default function handler(req: NextApiRequest, res: NextApiResponse) {\n  if (req.method !== 'GET') return res.status(405).end()\n  res.setHeader('Cache-Control', 'no-store')\n  res.json({ ok: true, at: Date.now() })\n}",
            ),
            after: ex(
                "app/(api)/api/ping/route.ts",
                "// Other methods get Next's automatic 405.\nexport function GET() {\n  return Response.json({ ok: true, at: Date.now() }, { headers: { 'Cache-Control': 'no-store' } })\n}",
            ),
        },
        Code::WriteError => Explanation {
            meaning: "Writing a migrated file failed (no permission, disk full, a read-only checkout, a file that appeared at the target while the run was going on).",
            why: "pages2app writes each target through a temporary file and a rename, and keeps the sources aside until every target is in place. When a write fails, what was written is rolled back: the tree is left as it was, never half-migrated.",
            fix: "Fix the cause and run pages2app again.",
            before: ex("terminal", "$ pages2app migrate .\nerror: app/(api)/api/users/route.ts: Permission denied (os error 13); nothing was changed"),
            after: ex("terminal", "$ chmod -R u+w app\n$ pages2app migrate .\npages2app: applied: 12 migrated, 0 migrated with notes, 0 manual, 0 error"),
        },
        Code::UnmappablePath => Explanation {
            meaning: "A folder or file name in the route path starts with `(` or `@`. In pages/ that is a plain URL segment (`pages/api/(admin)/stats.ts` serves `/api/(admin)/stats`), but in app/ `(admin)` is a route group, which is left out of the URL, and `@admin` is a parallel-route slot.",
            why: "The route cannot keep its URL in app/, and changing URLs silently would break its clients.",
            fix: "Rename the segment and update the clients that call it, then run pages2app again. Or leave this route in pages/api: the Pages and App Routers work side by side.",
            before: ex("pages/api/(admin)/stats.ts", "// served at /api/(admin)/stats\nexport default function handler(req, res) {\n  res.json(getStats())\n}"),
            after: ex("pages/api/admin/stats.ts", "// served at /api/admin/stats: update fetch('/api/(admin)/stats') calls, then migrate\nexport default function handler(req, res) {\n  res.json(getStats())\n}"),
        },
        Code::TooDeeplyNested => Explanation {
            meaning: "The file nests expressions or blocks so deeply (thousands of levels, usually generated or minified code) that parsing it could overflow the stack. The position is where the nesting gets too deep.",
            why: "pages2app checks the nesting depth before parsing, so one pathological file is reported instead of crashing the whole run. The file is left as it is.",
            fix: "API routes are rarely this deep by hand: if the deep part is generated data (a huge inline literal), move it to a JSON file or module beside the route and import it, then run pages2app again. Otherwise migrate the file by hand.",
            before: ex("pages/api/countries.ts", "export default function handler(req, res) {\n  res.json({ data: [[[[[[ /* ...thousands of nested levels, generated... */ ]]]]]] })\n}"),
            after: ex("pages/api/countries.ts  (then run pages2app again)", "import data from '../../lib/countries.json'\n\nexport default function handler(req, res) {\n  res.json({ data })\n}"),
        },
        Code::NoDefaultExport => Explanation {
            meaning: "The file has no default export, so Next cannot serve it as an API route (it answers with an error), or it uses CommonJS `export =`. Most often it is a helper module that lives under pages/api by accident: every file there with a page extension is a route.",
            why: "There is no handler to turn into Route Handler methods.",
            fix: "Move helper modules out of pages/api (to lib/, say) and update their imports. If the file is meant to be a route, give it a default-exported handler function (`export default function handler(req, res) { ... }`).",
            before: ex(
                "pages/api/_db.ts  and  pages/api/users.ts",
                "// pages/api/_db.ts: a route by accident (/api/_db answers with an error)\nimport { Pool } from 'pg'\nexport const db = new Pool({ connectionString: process.env.DATABASE_URL })\n\n// pages/api/users.ts\nimport { db } from './_db'",
            ),
            after: ex(
                "lib/db.ts  and  pages/api/users.ts",
                "// lib/db.ts: not a route any more\nimport { Pool } from 'pg'\nexport const db = new Pool({ connectionString: process.env.DATABASE_URL })\n\n// pages/api/users.ts\nimport { db } from '../../lib/db'",
            ),
        },
        Code::WrappedHandler => Explanation {
            meaning: "The default export is a call: a wrapper such as `withAuth(handler)`, `withSentry(handler)`, `cors(handler)` or a framework's `createNextApiHandler(...)`. The wrapper takes and returns a Node-style `(req, res)` handler.",
            why: "The wrapper's code runs before (and around) the handler and may respond itself through `res`. pages2app cannot see what it does, so it cannot keep that behaviour in a Route Handler, which takes a web Request and returns a Response.",
            fix: "Either port the wrapper to Route Handlers (`(handler) => async (request, ctx) => Response`) and wrap each exported method, or move what it does into the handler as a plain call that does not take `res`, so the default export is the function itself, and run pages2app again. Libraries often ship a fetch adapter for this (tRPC `fetchRequestHandler`, Sentry's App Router support, ...).",
            before: ex(
                "pages/api/me.ts",
                "import { withAuth } from '../../lib/auth'\n\nexport default withAuth(async function handler(req, res) {\n  res.json({ user: req.user })\n})",
            ),
            after: ex(
                "app/(api)/api/me/route.ts",
                "import { userFromRequest } from '@/lib/auth'\n\nexport async function GET(request: Request) {\n  const user = await userFromRequest(request)\n  if (!user) return Response.json({ error: 'Unauthorized' }, { status: 401 })\n  return Response.json({ user })\n}",
            ),
        },
        Code::ReexportedHandler => Explanation {
            meaning: "The route re-exports its handler from another module: `export { default } from '../../lib/handlers/users'`.",
            why: "The handler's code is not in this file, and other routes may share it. pages2app rewrites route files only.",
            fix: "Port the shared module to Route Handler functions (one per HTTP method) and re-export those from `route.ts`.",
            before: ex("pages/api/users.ts", "export { default } from '../../lib/handlers/users'"),
            after: ex(
                "app/(api)/api/users/route.ts",
                "// lib/handlers/users.ts now exports GET and POST as (request: Request) => Response\nexport { GET, POST } from '@/lib/handlers/users'",
            ),
        },
        Code::NonRouteExport => Explanation {
            meaning: "The file exports something besides the handler and `config`: a constant, a helper function, a schema, `export * from`. Type exports are fine.",
            why: "A `route.ts` may export only HTTP method functions (GET, POST, ...) and segment config (`runtime`, `maxDuration`, `dynamic`, ...). Next's type check fails the build on any other export, so the tool does not move the file with it.",
            fix: "Move the extra export to a module beside the route (or to lib/), import it where it is used, and run pages2app again.",
            before: ex(
                "pages/api/signup.ts",
                "import { z } from 'zod'\n\nexport const signupSchema = z.object({ email: z.string().email() })\n\nexport default async function handler(req, res) {\n  const input = signupSchema.parse(req.body)\n  res.status(201).json(await signup(input))\n}",
            ),
            after: ex(
                "pages/api/signup.ts  (the schema moved to lib/schemas.ts)",
                "import { signupSchema } from '../../lib/schemas'\n\nexport default async function handler(req, res) {\n  const input = signupSchema.parse(req.body)\n  res.status(201).json(await signup(input))\n}",
            ),
        },
        Code::ResponseEscapes => Explanation {
            meaning: "`res` is passed to code the tool cannot rewrite with the handler: a function imported from another module (`fail(res, 400, 'bad')` from `lib/http`), a local function that is also used in other ways, or stored (`ctx.res = res`). That code may set headers or send the response through it.",
            why: "A Route Handler has no `res`: it returns a Response. Functions of the route's own module that respond through `res` (`return handleGet(req, res)`, `return sendError(res, 400, 'bad')`) or only set headers (`setCors(res)`) are migrated with the handler, when every use of them is such a call. Code in other modules may be shared with other routes or with pages, so pages2app leaves the file as it is.",
            fix: "Change the helper to return what it would have sent (a Response, or the status and body) and respond with it in the handler, or copy it into the route module. Done in the Pages file, this lets pages2app migrate it on the next run.",
            before: ex(
                "pages/api/items.ts",
                "import { fail } from '../../lib/http'\n\nexport default async function handler(req: NextApiRequest, res: NextApiResponse) {\n  if (typeof req.query.id !== 'string') return fail(res, 400, 'id is required')\n  res.json(await getItem(req.query.id))\n}",
            ),
            after: ex(
                "pages/api/items.ts  (then run pages2app again)",
                "import { failure } from '../../lib/http' // returns { error: message }\n\nexport default async function handler(req: NextApiRequest, res: NextApiResponse) {\n  if (typeof req.query.id !== 'string') return res.status(400).json(failure('id is required'))\n  res.json(await getItem(req.query.id))\n}",
            ),
        },
        Code::RequestEscapes => Explanation {
            meaning: "`req` is passed to another function or kept whole (`verify(req)`, `getSession({ req })`, `const { body, ...rest } = req`). That code expects a Node `IncomingMessage` (with `req.headers.cookie`, `req.socket`, a readable stream).",
            why: "A Route Handler gets a web `Request`: headers are a `Headers` object, there is no socket and the body is a web stream. Passing it where a Node request is expected breaks at run time, so the file is left as it is.",
            fix: "Pass the callee only what it needs (a header value, a cookie, the parsed body), or port it to take a web Request. Done in the Pages file, this lets pages2app migrate it on the next run.",
            before: ex(
                "pages/api/profile.ts",
                "import { verifyToken } from '../../lib/auth' // reads req.headers.authorization\n\nexport default async function handler(req, res) {\n  const user = await verifyToken(req)\n  res.json({ user })\n}",
            ),
            after: ex(
                "pages/api/profile.ts  (then run pages2app again)",
                "import { verifyToken } from '../../lib/auth' // now takes the header value\n\nexport default async function handler(req, res) {\n  const user = await verifyToken(req.headers.authorization)\n  res.json({ user })\n}",
            ),
        },
        Code::ResponseInCallback => Explanation {
            meaning: "The handler responds from inside a callback: `form.parse(req, (err, fields) => res.json(...))`, `stream.on('end', () => res.end())`, `promise.then((data) => res.json(data))`, `setTimeout(...)`.",
            why: "A Route Handler must return its Response (or a Promise of it). A response sent from a callback happens after the handler has returned, so Next would answer 500 (`No response is returned from route handler`).",
            fix: "Turn the callback into a Promise and `await` it, so the response call sits in the handler itself. Done in the Pages file, this lets pages2app migrate it on the next run.",
            before: ex(
                "pages/api/report.ts",
                "export default function handler(req, res) {\n  db.query('select * from report', (err, rows) => {\n    if (err) return res.status(500).json({ error: err.message })\n    res.json(rows)\n  })\n}",
            ),
            after: ex(
                "pages/api/report.ts  (then run pages2app again)",
                "export default async function handler(req, res) {\n  try {\n    const rows = await new Promise((resolve, reject) =>\n      db.query('select * from report', (err, rows) => (err ? reject(err) : resolve(rows))),\n    )\n    res.json(rows)\n  } catch (err) {\n    res.status(500).json({ error: err.message })\n  }\n}",
            ),
        },
        Code::ResponseNotInTail => Explanation {
            meaning: "Code runs after this response call. In Pages, `res.json(...)` sends the response and the handler goes on: the statements after it still run (logging, a receipt e-mail, or a second response that throws `ERR_HTTP_HEADERS_SENT`).",
            why: "In a Route Handler the response is a `return`, so nothing after it runs. Rewriting the call as a `return` would silently drop that code, and keeping the code would need the response held back until it finished, which changes timing. The tool leaves the file as it is.",
            fix: "- If the code after the response is meant to run after it is sent, use `after()` from next/server in the Route Handler (or move it before the response).\n- If it should not run (the usual `if (bad) res.status(400).json(...)` without `return`, which fell through in Pages), add the missing `return` in the Pages file and run pages2app again.",
            before: ex(
                "pages/api/orders.ts",
                "export default async function handler(req, res) {\n  const order = await createOrder(req.body)\n  res.status(201).json(order)\n  await sendReceipt(order) // ran after the response was sent\n}",
            ),
            after: ex(
                "app/(api)/api/orders/route.ts",
                "import { after } from 'next/server'\n\nexport async function POST(request: Request) {\n  const order = await createOrder(await request.json())\n  after(() => sendReceipt(order)) // still runs after the response is sent\n  return Response.json(order, { status: 201 })\n}",
            ),
        },
        Code::StreamingResponse => Explanation {
            meaning: "The handler streams its response with `res.write`, `res.writeHead`, `res.flushHeaders` or `res.flush` (server-sent events, large downloads, progress output).",
            why: "A Route Handler returns one Response; there is no `res` to write to over time. Streaming needs a `ReadableStream` that produces the chunks, a different structure than the tool rewrites.",
            fix: "Return a `Response` whose body is a `ReadableStream`, and move the writes into its `start` (or `pull`) function. Use `request.signal` instead of `req.on('close')` to notice a client that went away. Note that the new function answers only the methods you export.",
            before: ex(
                "pages/api/events.ts",
                "export default async function handler(req, res) {\n  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })\n  for await (const event of subscribe()) {\n    res.write(`data: ${JSON.stringify(event)}\\n\\n`)\n  }\n  res.end()\n}",
            ),
            after: ex(
                "app/(api)/api/events/route.ts",
                "export async function GET(request: Request) {\n  const encoder = new TextEncoder()\n  const stream = new ReadableStream({\n    async start(controller) {\n      for await (const event of subscribe()) {\n        if (request.signal.aborted) break\n        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\\n\\n`))\n      }\n      controller.close()\n    },\n  })\n  return new Response(stream, {\n    headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },\n  })\n}",
            ),
        },
        Code::UnsupportedResponseMember => Explanation {
            meaning: "The handler uses a `res` member that has no automatic Route Handler equivalent: `res.revalidate`, `res.setDraftMode`, `res.setPreviewData`, `res.clearPreviewData`, `res.getHeader`, `res.statusCode`, `res.headersSent`, `res.on(...)`, or a response call with unusual arguments.",
            why: "Each has an App Router counterpart that behaves differently (`revalidatePath()` is lazy where `res.revalidate` regenerated the page before answering and threw on failure; preview data has no equivalent), so a mechanical rewrite would change behaviour without telling you.",
            fix: "- `res.revalidate(path)`: `revalidatePath(path)` from next/cache. It marks the path stale and the next visit regenerates it; it returns nothing and cannot fail.\n- `res.setDraftMode({ enable })`: `(await draftMode()).enable()` / `.disable()` from next/headers.\n- `res.setPreviewData(data)`: no equivalent; use draft mode and keep the data in your own cookie.\n- `res.getHeader`, `res.statusCode`: keep the values in local variables and pass them to the Response.",
            before: ex(
                "pages/api/revalidate.ts",
                "export default async function handler(req, res) {\n  if (req.query.secret !== process.env.REVALIDATE_SECRET) {\n    return res.status(401).json({ message: 'Invalid token' })\n  }\n  try {\n    await res.revalidate(`/posts/${req.query.slug}`)\n    return res.json({ revalidated: true })\n  } catch {\n    return res.status(500).send('Error revalidating')\n  }\n}",
            ),
            after: ex(
                "app/(api)/api/revalidate/route.ts",
                "import { revalidatePath } from 'next/cache'\nimport type { NextRequest } from 'next/server'\n\nexport async function GET(request: NextRequest) {\n  const params = request.nextUrl.searchParams\n  if (params.get('secret') !== process.env.REVALIDATE_SECRET) {\n    return Response.json({ message: 'Invalid token' }, { status: 401 })\n  }\n  // Lazy: the page is regenerated on its next visit, and errors are not reported here.\n  revalidatePath(`/posts/${params.get('slug')}`)\n  return Response.json({ revalidated: true })\n}",
            ),
        },
        Code::UnsupportedRequestMember => Explanation {
            meaning: "The handler uses a `req` member with no automatic equivalent: `req.socket` / `req.connection`, stream reads (`req.on('data')`, `req.pipe`, `req.read`), `req.preview` / `req.previewData`, a computed `req[key]`, an assignment such as `req.user = user`, `req.body` when `bodyParser` is off (it is undefined in Pages), or a raw-body read while the body parser is on.",
            why: "A Route Handler gets a web `Request`: there is no socket, the body is a web stream that can be read once, and the object is not meant to carry your own fields. The tool rewrites the members it can keep exact (`query`, `body`, `cookies`, `headers`, `method`, `url`) and leaves the rest to you.",
            fix: "- Client address: the `x-forwarded-for` header (or `ipAddress()` from @vercel/functions).\n- Stream reads: `await request.arrayBuffer()`, `await request.text()`, or `request.body` (a ReadableStream).\n- `req.user = ...`: keep the value in a local variable (in Pages first, then run pages2app again).\n- Draft mode: `(await draftMode()).isEnabled` from next/headers.",
            before: ex(
                "pages/api/whoami.ts",
                "export default function handler(req, res) {\n  const ip = req.headers['x-forwarded-for'] ?? req.socket.remoteAddress\n  res.json({ ip })\n}",
            ),
            after: ex(
                "app/(api)/api/whoami/route.ts",
                "export function GET(request: Request) {\n  // No socket in Route Handlers: the proxy's header is the client address.\n  const ip = request.headers.get('x-forwarded-for')?.split(',')[0].trim() ?? null\n  return Response.json({ ip })\n}",
            ),
        },
        Code::UnsupportedHandlerShape => Explanation {
            meaning: "The default export is a function, but not in a shape the tool rewrites: destructured parameters (`({ query }, res) => ...`), fewer than two parameters, a generator, a class or object, a name bound to something that is not a function declared in this file, or a declaration that declares other variables too.",
            why: "The tool follows `req` and `res` through the handler by name. Without plain parameter names it cannot find every use, and a partial rewrite would leave Node-only code behind.",
            fix: "Give the handler two plain parameters and destructure inside the body, or split the declaration, then run pages2app again.",
            before: ex("pages/api/search.ts", "export default async ({ query: { q } }: NextApiRequest, res: NextApiResponse) => {\n  res.json(await search(String(q ?? '')))\n}"),
            after: ex(
                "pages/api/search.ts  (then run pages2app again)",
                "export default async (req: NextApiRequest, res: NextApiResponse) => {\n  const { q } = req.query\n  res.json(await search(String(q ?? '')))\n}",
            ),
        },
        Code::UnsupportedConfig => Explanation {
            meaning: "`export const config` is not a literal object the tool can read: it is built from a variable, a spread, a function call, or has no value.",
            why: "The config decides how the body is read (`bodyParser`, `sizeLimit`) and which segment exports the route gets (`maxDuration`, `runtime`). Next reads these at build time from literals too; without knowing them the tool cannot keep the behaviour.",
            fix: "Write the config as a literal object in the route file, then run pages2app again.",
            before: ex("pages/api/upload.ts", "import { uploadConfig } from '../../lib/config'\n\nexport const config = { ...uploadConfig, maxDuration: 60 }"),
            after: ex("pages/api/upload.ts  (then run pages2app again)", "export const config = {\n  api: { bodyParser: { sizeLimit: '10mb' } },\n  maxDuration: 60,\n}"),
        },
        Code::EdgeRuntimeHandler => Explanation {
            meaning: "The route runs on the edge runtime (`config.runtime` is `'edge'` or `'experimental-edge'`). Its handler already takes a Request and returns a Response, and Next passes its dynamic params in the query string (`/api/items/42?x=1` arrives as `?x=1&id=42`).",
            why: "This is a different contract from `(req, res)` handlers: in app/ the params come from `ctx.params` instead of the query string, `experimental-edge` is an error, and the handler must become named method exports. Reading a param from the query string would silently get nothing, so the tool leaves the file to you.",
            fix: "Export one function per method the route answers, add `export const runtime = 'edge'`, and read dynamic params from `await ctx.params`. (The edge runtime is deprecated in Next 16; consider dropping the runtime export to run on Node.js.)",
            before: ex(
                "pages/api/items/[id].ts",
                "import type { NextRequest } from 'next/server'\n\nexport const config = { runtime: 'edge' }\n\nexport default async function handler(req: NextRequest) {\n  const id = req.nextUrl.searchParams.get('id')\n  return new Response(JSON.stringify({ id }), { headers: { 'content-type': 'application/json' } })\n}",
            ),
            after: ex(
                "app/(api)/api/items/[id]/route.ts",
                "import type { NextRequest } from 'next/server'\n\nexport const runtime = 'edge'\n\nexport async function GET(req: NextRequest, ctx: { params: Promise<{ id: string }> }) {\n  const { id } = await ctx.params\n  return new Response(JSON.stringify({ id }), { headers: { 'content-type': 'application/json' } })\n}",
            ),
        },
        Code::ReservedCharacter => Explanation {
            meaning: "The file contains one of the control characters U+0001 to U+0004 as a raw byte (inside a string, a template or a comment: nowhere else is it valid).",
            why: "pages2app marks the response options it fills in later with these four characters while it rewrites a handler. A raw one in your code would be read as a marker and the text around it changed, so the file is left as it is.",
            fix: "Write the character as an escape (`\\u0001` in a string or template, any text in a comment); the value is the same. Then run pages2app again.",
            before: ex("pages/api/export.ts", "export default function handler(req, res) {\n  // ␁ stands for the raw U+0001 byte in the file\n  res.send(rows.join('␁'))\n}"),
            after: ex("pages/api/export.ts  (then run pages2app again)", "export default function handler(req, res) {\n  res.send(rows.join('\\u0001'))\n}"),
        },
        Code::ResponseLimitDropped => Explanation {
            meaning: "The route set `config.api.responseLimit`. In Pages it only made Next log a warning when a response was larger than the limit (4 MB by default); it never blocked the response.",
            why: "Route Handlers have no response limit and no such warning, so the option was removed and the route migrated. Responses are unchanged; only the log line is gone.",
            fix: "Usually nothing. If you relied on the warning to catch oversized responses, measure the body yourself.",
            before: ex("pages/api/export.ts", "export const config = { api: { responseLimit: '8mb' } }\n\nexport default async function handler(req, res) {\n  res.json(await buildExport())\n}"),
            after: ex(
                "app/(api)/api/export/route.ts",
                "export async function GET() {\n  const body = JSON.stringify(await buildExport())\n  if (Buffer.byteLength(body) > 8 * 1024 * 1024) console.warn('/api/export: response over 8mb')\n  return new Response(body, { headers: { 'Content-Type': 'application/json' } })\n}",
            ),
        },
        Code::ExternalResolverDropped => Explanation {
            meaning: "The route set `config.api.externalResolver`. In Pages it only told Next that something else (Express, a GraphQL server) sends the response, which silenced the dev warning `API resolved without sending a response`.",
            why: "Route Handlers return their Response, so there is nothing to silence; the option was removed and the route migrated. pages2app only migrates a route whose responses it can see, so the migrated code responds itself.",
            fix: "Usually nothing. If the route hands requests to a framework, use that framework's fetch adapter in the Route Handler (tRPC `fetchRequestHandler`, Apollo's and Yoga's Request handlers).",
            before: ex("pages/api/graphql.ts", "export const config = { api: { externalResolver: true, bodyParser: false } }\n\nexport default async function handler(req, res) {\n  res.json(await runQuery(await readBody(req)))\n}"),
            after: ex(
                "app/(api)/api/graphql/route.ts",
                "// externalResolver has no equivalent and is not needed: the function returns its Response.\nexport async function POST(request: Request) {\n  return Response.json(await runQuery(await request.text()))\n}",
            ),
        },
        Code::UnansweredMethods => Explanation {
            meaning: "For some HTTP methods the old handler never sent a response: it returned without calling `res`, so in production those requests hung until the client or proxy timed out. Where the code such a method ran could throw first (an `await` on a call, say), Pages answered those requests 500 `Internal Server Error` instead; the message names those methods apart.",
            why: "The migrated route exports only the methods that got an answer. Next answers the others itself: 405 with an empty body (OPTIONS: 204 with an `Allow` header). That is a change, usually for the better, so it is reported.",
            fix: "Usually nothing. If a client needs a specific answer for those methods, export them explicitly.",
            before: ex("pages/api/items.ts", "export default function handler(req, res) {\n  if (req.method === 'GET') res.json(listItems())\n  // POST, PUT, ...: no response, the request hung\n}"),
            after: ex(
                "app/(api)/api/items/route.ts",
                "export function GET() {\n  return Response.json(listItems())\n}\n\n// Optional: an explicit answer instead of Next's automatic 405.\nexport function POST() {\n  return Response.json({ error: 'read-only' }, { status: 405, headers: { Allow: 'GET' } })\n}",
            ),
        },
        Code::BodyOfGetIgnored => Explanation {
            meaning: "The handler reads the body in its GET (or HEAD) branch. Pages parsed a body sent with a GET request like any other, so `req.body` held it; a Route Handler receives GET and HEAD requests without their body, so the migrated code reads an empty one.",
            why: "The route was migrated, and the rest of its behaviour is kept; only a body sent with GET or HEAD is lost. Most clients never send one (browsers' fetch cannot), so this usually changes nothing, but it is a change and is reported.",
            fix: "If clients do send a body with GET (some search APIs do), have them send it with POST, or move the data to the query string.",
            before: ex("pages/api/search.ts", "export default async function handler(req, res) {\n  // GET /api/search with a JSON body { q: 'shoes' }\n  res.json(await search(req.body.q))\n}"),
            after: ex(
                "app/(api)/api/search/route.ts",
                "import type { NextRequest } from 'next/server'\n\n// GET /api/search?q=shoes\nexport async function GET(request: NextRequest) {\n  return Response.json(await search(request.nextUrl.searchParams.get('q') ?? ''))\n}",
            ),
        },
        Code::PathWithoutResponse => Explanation {
            meaning: "Some path through the handler ends without calling `res` (an `if` without `else`, say). In Pages such a request stayed open: production just hung until the client or a proxy gave up. The migrated function returns nothing on that path, and Next answers a Route Handler that returns no Response with 500 (\"No response is returned from route handler\") and an empty body.",
            why: "A hanging request cannot be written by hand in a Route Handler without a promise that never settles, and the 500 is almost always what the author would have wanted; but it is a change, and it is reported at the statement where the path ends.",
            fix: "Answer that path explicitly: add the `else` (or a final response) the handler was missing, e.g. a 400 or 404.",
            before: ex("pages/api/flag.ts", "export default function handler(req, res) {\n  if (req.query.ok) res.status(200).json({ ok: true })\n  // no ?ok: no response, the request hung\n}"),
            after: ex(
                "app/(api)/api/flag/route.ts",
                "export function GET(request: NextRequest) {\n  if (request.nextUrl.searchParams.get('ok')) return Response.json({ ok: true })\n  return Response.json({ error: 'ok is required' }, { status: 400 })\n}",
            ),
        },
        Code::AdapterRoute => Explanation {
            meaning: "The route was migrated through the Pages req/res adapter: its module is copied to route.ts unchanged except the default export, which became a local binding passed to `pages.adapt(...)` from the compat module; the route exports every HTTP method and `runtime = 'nodejs'`. The adapter gives the handler a Node `IncomingMessage` with `query`, `cookies` and `body` (parsed per `config.api.bodyParser`, with its 400/413 before the handler runs) and a `ServerResponse`-like `res` (`status`, `json`, `send`, `redirect`, `writeHead`, `write`, `end`, `pipe`), and returns the Response as soon as the handler commits its headers, streaming later writes.",
            why: "The idiomatic rewrite stopped at the code named in the message (a wrapper, `res` handed to other code, streaming, a callback that responds, ...). Rather than leave the route in pages/api, the original code runs as it did. Differences that remain: methods outside the seven standard ones get 400 (TRACE 500), a body sent with GET or HEAD is not passed to Route Handlers, `req.socket.remoteAddress` comes from `x-forwarded-for`, and `req.rawHeaders` is in alphabetical order.",
            fix: "Nothing is needed for the route to work. To finish by hand, port the handler to one function per method that takes a Request and returns a Response (as the explanation of the code in the message shows), then drop the `pages.adapt` line and its exports.",
            before: ex(
                "pages/api/me.ts",
                "import { withAuth } from '../../lib/auth'\n\nexport default withAuth(async function handler(req, res) {\n  res.json({ user: req.user })\n})",
            ),
            after: ex(
                "app/(api)/api/me/route.ts",
                "import { withAuth } from '../../../../lib/auth'\nimport * as pages from '../../_pages2app/compat'\n\nconst routeHandler = withAuth(async function handler(req, res) {\n  res.json({ user: req.user })\n})\n\nconst route = pages.adapt(routeHandler)\nexport { route as GET, route as HEAD, route as POST, route as PUT, route as PATCH, route as DELETE, route as OPTIONS }\nexport const runtime = 'nodejs'",
            ),
        },
        Code::RevalidateIsLazy => Explanation {
            meaning: "The handler calls `res.revalidate(path)`. Through the adapter this runs `revalidatePath(path)` from next/cache.",
            why: "Pages regenerated the page before `res.revalidate` resolved and rejected when that failed; the App Router only marks the path, regenerates it on its next visit, and gives no error. Code that waited for the fresh page, or answered an error on failure, behaves differently.",
            fix: "Usually nothing. If a client relied on the page being fresh when the call returned, request the page once after revalidating.",
            before: ex("pages/api/revalidate.ts", "export default async function handler(req, res) {\n  await res.revalidate('/blog')\n  res.json({ revalidated: true })\n}"),
            after: ex("app/(api)/api/revalidate/route.ts", "import { revalidatePath } from 'next/cache'\n\nexport async function POST() {\n  revalidatePath('/blog')\n  return Response.json({ revalidated: true })\n}"),
        },
        Code::PreviewDataUnsupported => Explanation {
            meaning: "The handler calls `res.setPreviewData(...)`: Pages' preview mode with data, which the App Router does not have.",
            why: "Through the adapter `res.setPreviewData()` would throw at run time (the request would get a 500) instead of setting the preview cookies, so pages2app leaves the route in pages/api, where it keeps working beside the migrated routes. Draft mode (`res.setDraftMode`) and `res.clearPreviewData()` work through the adapter.",
            fix: "Switch to draft mode: `(await draftMode()).enable()` from next/headers, and keep what the preview data carried in a cookie of your own.",
            before: ex("pages/api/preview.ts", "export default function handler(req, res) {\n  res.setPreviewData({ user: 'a' })\n  res.redirect('/')\n}"),
            after: ex("app/(api)/api/preview/route.ts", "import { draftMode } from 'next/headers'\nimport { redirect } from 'next/navigation'\n\nexport async function GET() {\n  ;(await draftMode()).enable()\n  redirect('/')\n}"),
        },
        Code::BodyNotParsed => Explanation {
            meaning: "Pages parsed every request body before the handler ran, even when the handler ignored it: invalid JSON got `400 Invalid JSON` and a body over the size limit (1mb by default) got `413`. The migrated functions that never read the body do not parse it, so such requests now reach your code.",
            why: "Parsing a body nobody reads costs time and memory on every request, so the tool parses only where the handler reads `req.body` (with the same 400 and 413 answers there). The rare client that relied on the 400 for an ignored body is told about it here.",
            fix: "Usually nothing. To keep the old rejection, read the body in that function (`await request.json()` in a try, answering 400).",
            before: ex("pages/api/ping.ts", "export default function handler(req, res) {\n  // POST {not json} got 400 Invalid JSON before this ran\n  res.json({ ok: true })\n}"),
            after: ex(
                "app/(api)/api/ping/route.ts",
                "export async function POST(request: Request) {\n  const text = await request.text()\n  if (request.headers.get('content-type')?.includes('json') && text) {\n    try {\n      JSON.parse(text)\n    } catch {\n      return new Response('Invalid JSON', { status: 400 })\n    }\n  }\n  return Response.json({ ok: true })\n}",
            ),
        },
        Code::NonStandardMethods => Explanation {
            meaning: "Pages called the handler for any HTTP method, including WebDAV and custom ones (PROPFIND, PURGE). Route Handlers only dispatch GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS: any other method gets 400, and TRACE gets 500.",
            why: "This is how the App Router works and cannot be changed per route, so every migrated route carries this note. It matters only if clients send other methods.",
            fix: "Usually nothing. If a client sends a custom method to this route, switch it to a standard one, or keep that route in pages/api (both routers work side by side).",
            before: ex("client.ts", "await fetch('/api/cache', { method: 'PURGE' })"),
            after: ex("client.ts  (the route exports DELETE)", "await fetch('/api/cache', { method: 'DELETE' })"),
        },
        Code::ErrorBodyEmpty => Explanation {
            meaning: "An exception can leave the migrated function (a `throw`, or a call, `new` or `await` outside a `try` with a `catch`: `JSON.parse`, a database query, a guard that throws). Pages caught it and answered `500 Internal Server Error` with the body `Internal Server Error` (text/plain). A Route Handler that throws gets a 500 with an empty body from Next. The status is the same; only the body and its content type differ.",
            why: "Reproducing the old body would need a try/catch around every exported function, which is not code a person writes by hand, and clients rarely read the text of a 500. The change is reported, on the handler, for the methods whose code can throw.",
            fix: "Usually nothing. If a client shows the error text, catch the error and answer it: `catch (e) { return new Response('Internal Server Error', { status: 500 }) }`, or a JSON error your client understands.",
            before: ex("pages/api/parse.ts", "export default function handler(req, res) {\n  // ?data=bad: 500, body 'Internal Server Error'\n  res.json(JSON.parse(String(req.query.data)))\n}"),
            after: ex(
                "app/(api)/api/parse/route.ts",
                "export function GET(request: NextRequest) {\n  try {\n    return Response.json(JSON.parse(String(request.nextUrl.searchParams.get('data'))))\n  } catch {\n    return new Response('Internal Server Error', { status: 500 })\n  }\n}",
            ),
        },
        Code::PrivateSegmentEscaped => Explanation {
            meaning: "A folder or file name in the route starts with `_`. In app/ such a folder is private: it and everything below it is left out of routing. To keep the URL, the folder is written as `%5F...` (the URL-encoded underscore), which the App Router serves at `_...`.",
            why: "The route keeps its URL exactly; the folder name just looks different.",
            fix: "Nothing to do. If the file was a helper that became a public route by accident (every file in pages/api is a route), move it out of the app instead.",
            before: ex("pages/api/_internal/health.ts", "// served at /api/_internal/health\nexport default function handler(req, res) {\n  res.json({ ok: true })\n}"),
            after: ex("app/(api)/api/%5Finternal/health/route.ts", "// still served at /api/_internal/health\nexport function GET() {\n  return Response.json({ ok: true })\n}"),
        },
        Code::ImportedRoute => Explanation {
            meaning: "Another module of the app imports this route file in a way that cannot follow the move: a namespace import (`import * as r from '../pages/api/items'`), `require()` or `import()` of it, a default import of the handler by code that is not a route only delegating to it, or an import of something route.ts keeps. The message names each such importer with its line and column, and why. (Named and type imports, `export ... from` and delegating routes do follow: P2A312.)",
            why: "The migration moves the file to app/.../route.ts. The importer would then point at a file that no longer exists and the app would stop building, so the route is left in pages/api, untouched.",
            fix: "Import the names the importer uses by name (`import { WINDOW } from ...`) so that pages2app can move them beside the route and rewrite the import, or move them to a module outside pages/api yourself, then run pages2app again.",
            before: ex(
                "pages/api/items.ts  (lib/use.ts: import type { Item } from '../pages/api/items')",
                "export type Item = { id: string }\n\nexport default function handler(req, res) {\n  const items: Item[] = []\n  res.json(items)\n}",
            ),
            after: ex(
                "pages/api/items.ts  (Item moved to lib/item.ts, imported from there by lib/use.ts too)",
                "import type { Item } from '../../lib/item'\n\nexport default function handler(req, res) {\n  const items: Item[] = []\n  res.json(items)\n}",
            ),
        },
        Code::WrapperBeforeBody => Explanation {
            meaning: "The route's handler is wrapped by a wrapper of the app (`withAuth(handler)`) that now has an App Router version, and a method of the route reads the request body.",
            why: "Pages parsed the body before anything of the route ran: a request with invalid JSON got `400 Invalid JSON` (a body over the size limit 413) even where the wrapper would have turned it away. The migrated route parses the body inside the wrapped function, after the wrapper's checks, so such a request now gets the wrapper's answer (a 401, say). Every other request is answered as before.",
            fix: "Usually nothing: the wrapper's answer is the better one. If a client depends on the 400 coming first, parse the body before the wrapper's checks in its App Router version.",
            before: ex(
                "pages/api/notes.ts",
                "import { withAuth } from '@/lib/auth'

export default withAuth(async (req, res) => {
  res.json({ saved: req.body.text })
})",
            ),
            after: ex(
                "app/(api)/api/notes/route.ts",
                "import * as pages from '../../../../_pages2app/compat'
import { withAuth } from '@/lib/auth.app'

export const POST = withAuth(async (request) => {
  const body = await pages.body(request)
  if (body instanceof Response) return body // 400 Invalid JSON / 413, as the Pages body parser answered
  return pages.json({ saved: body.text })
})",
            ),
        },
        Code::ComputedRouteImport => Explanation {
            meaning: "A module loads files from pages/api through a path computed at run time (`` import(`../pages/api/${name}`) ``, `require('../pages/api/' + name)`), and this route is one it may load. The message names the module, its line and column.",
            why: "The route is migrated, but a computed path cannot be followed or rewritten: after the move the file is no longer at the path the loader builds, and the load fails at run time.",
            fix: "Point the loader at the migrated modules (app/(api)/api/<name>/route.ts exports the methods), or call the routes over HTTP.",
            before: ex(
                "lib/jobs.ts",
                "export async function runJob(name: string, req, res) {\n  const mod = await import(`../pages/api/jobs/${name}`)\n  return mod.default(req, res)\n}",
            ),
            after: ex(
                "lib/jobs.ts",
                "export async function runJob(name: string, request: Request) {\n  const mod = await import(`../app/(api)/api/jobs/${name}/route`)\n  return mod.POST(request)\n}",
            ),
        },
        Code::DanglingImport => Explanation {
            meaning: "The plan would leave an import pointing at a file that is not there after the run: a relative import of the moved route that was not rebased, or an importer of a moved module that was not rewritten. The message names the import and the path it looks for.",
            why: "pages2app checks every import of every file it writes, and every importer of a moved file, before it prints or writes anything. A failure here is a bug in pages2app, so the route is left as it is rather than written broken.",
            fix: "Please report it with the route and the importer. Until then the route stays in pages/api; migrate it by hand or move the module it imports first.",
            before: ex("pages/api/a.ts", "import { helper } from './_helper'\n\nexport default function handler(req, res) {\n  res.json(helper())\n}"),
            after: ex("app/(api)/api/a/route.ts  (what a correct plan writes: the import follows the file)", "import { helper } from '../../../../pages/api/_helper'\n\nexport function GET() {\n  return Response.json(helper())\n}"),
        },
        Code::ImportersFollow => Explanation {
            meaning: "Other modules import this route module: a type, a value such as `authOptions`, or its handler. The route migrates and each importer is rewritten to follow it; the message lists them.",
            why: "A moved file whose importers were not rewritten breaks the build. Names route.ts may not export are in a module beside the route (P2A313), so their importers now import them from there, in the specifier style they used (an alias stays an alias where one reaches the new module). A route that only delegated to this handler becomes a route re-exporting its methods.",
            fix: "Nothing to do; review the rewritten imports in the patch.",
            before: ex("lib/use.ts", "import type { Item } from '@/pages/api/items'"),
            after: ex("lib/use.ts", "import type { Item } from '@/app/(api)/api/items/types'"),
        },
        Code::DelegationReexported => Explanation {
            meaning: "The route did nothing but call another route's handler (`export default handler` of an imported route, `(req, res) => other(req, res)`, `export { default } from`). It now re-exports that route's migrated methods.",
            why: "After the move the other route no longer has a default handler to import; its route.ts exports GET, POST, ... instead. Both routes had the same dynamic segments and neither a config, so the re-export answers every request as the delegation did (segment config the other route.ts declares is repeated, since Next reads it from each route file).",
            fix: "Nothing to do.",
            before: ex("pages/api/auth/legacy.ts", "import handler from '../oauth/callback'\n\nexport default function legacy(req, res) {\n  return handler(req, res)\n}"),
            after: ex("app/(api)/api/auth/legacy/route.ts", "export { GET, POST } from '../../oauth/callback/route'"),
        },
        Code::LibraryRecipe => Explanation {
            meaning: "The handler is a well-known library's Pages API handler (`export default NextAuth(authOptions)` of next-auth, `export default createNextApiHandler({ router })` of tRPC). It became the App Router form that library documents instead of running through the adapter: for tRPC, `fetchRequestHandler` with the route's URL as `endpoint`, exported as GET and POST; for next-auth v5 (package.json), `export const { GET, POST } = NextAuth(config).handlers`.",
            why: "In next-auth v4, `NextAuth(options)` returns one function that serves both routers: the App Router calls it with the Request and the route context. Exported as GET and POST it is what next-auth's own App Router guide writes. In v5, `NextAuth(config)` returns `{ handlers, auth, signIn, signOut }`, and `handlers` holds GET and POST.",
            fix: "Nothing to do. `authOptions`, when other modules import it, moved beside route.ts (P2A313). For v5, next-auth's guide keeps `export const { handlers, auth, signIn, signOut } = NextAuth(config)` in an auth.ts and `export const { GET, POST } = handlers` in the route; move it there by hand if other code needs `auth`.",
            before: ex("pages/api/auth/[...nextauth].ts", "import NextAuth from 'next-auth'\nimport { authOptions } from '../../../lib/auth'\n\nexport default NextAuth(authOptions)"),
            after: ex("app/(api)/api/auth/[...nextauth]/route.ts", "import NextAuth from 'next-auth'\nimport { authOptions } from '../../../../../lib/auth'\n\nconst handler = NextAuth(authOptions)\n\nexport { handler as GET, handler as POST }"),
        },
        Code::NextAuthMethods => Explanation {
            meaning: "In Pages, next-auth's handler ran for every method and answered HEAD, PUT, PATCH, DELETE and OPTIONS with 400 `This action with HTTP <METHOD> is not supported by NextAuth.js` (measured on next 16.4.6 with next-auth 4.24.13). The migrated route exports GET and POST only, as next-auth documents: Next answers PUT, PATCH and DELETE with 405, OPTIONS with 204 and runs GET for HEAD.",
            why: "No client of next-auth sends those methods; the documented form is what next-auth supports.",
            fix: "If a client relied on the 400, export the handler for those methods too: `export { handler as GET, handler as POST, handler as PUT }`.",
            before: ex("pages/api/auth/[...nextauth].ts", "export default NextAuth(authOptions)   // PUT /api/auth/session -> 400"),
            after: ex("app/(api)/api/auth/[...nextauth]/route.ts", "const handler = NextAuth(authOptions)\n\nexport { handler as GET, handler as POST }   // PUT -> 405"),
        },
        Code::NextAuthV5Handlers => Explanation {
            meaning: "package.json asks for next-auth v5, whose `NextAuth(config)` returns `{ handlers, auth, signIn, signOut }`, not a function. Pages called the route's default export as the request handler, so the original route answered no auth request: Next answered every one 500. The migrated route exports `NextAuth(config).handlers` as GET and POST, so sign-in, callbacks and `/api/auth/session` are served now; other methods get Next's answers (PUT, PATCH and DELETE 405, OPTIONS 204, HEAD runs GET).",
            why: "A route that did not work is reported, not kept broken: the App Router form is the one next-auth v5 documents, and what it serves is new behaviour for this URL.",
            fix: "Check that the auth flow works as intended (providers, secret, callbacks), since it never ran in Pages. next-auth's v5 guide keeps `export const { handlers, auth, signIn, signOut } = NextAuth(config)` in an auth.ts and `export const { GET, POST } = handlers` in the route; move it there by hand if other code needs `auth`.",
            before: ex("pages/api/auth/[...nextauth].ts", "import NextAuth from 'next-auth'\nimport GitHub from 'next-auth/providers/github'\n\nexport default NextAuth({ providers: [GitHub] })   // every request -> 500"),
            after: ex("app/(api)/api/auth/[...nextauth]/route.ts", "import NextAuth from 'next-auth'\nimport GitHub from 'next-auth/providers/github'\n\nexport const { GET, POST } = NextAuth({ providers: [GitHub] }).handlers"),
        },
        Code::TrpcMethods => Explanation {
            meaning: "In Pages, createNextApiHandler ran for every method and tRPC answered them itself: PUT and PATCH of a mutation sent as JSON with 405, `Allow: POST` and a JSON error, DELETE and OPTIONS sent without a content type with 415 and a JSON error (tRPC's answer depends on the content type: 415 without a JSON one, 405 for a procedure its method does not serve); Next's body parser ran first, so a POST with invalid JSON got Next's `400 Invalid JSON` text (measured on next 16.4.6 with @trpc/server 11.25.2). The migrated route exports fetchRequestHandler as GET and POST only, as tRPC documents: Next answers PUT, PATCH and DELETE with 405 and an empty body, OPTIONS with 204 and `Allow: GET, HEAD, OPTIONS, POST`; tRPC reads the body itself, so invalid JSON gets its 400 Bad Request JSON error, and there is no 1mb body limit (413) any more. Queries, batches, mutations, tRPC's own errors and HEAD (204) answer as before.",
            why: "tRPC clients send queries with GET and mutations with POST; the other methods were never served, only answered with an error.",
            fix: "If a client relied on those answers, export the handler for more methods (`export { handler as GET, handler as POST, handler as PUT }`); for a body limit, check `content-length` in the handler before calling fetchRequestHandler.",
            before: ex("pages/api/trpc/[trpc].ts", "export default createNextApiHandler({ router: appRouter })   // PUT of a mutation as JSON -> 405 JSON error"),
            after: ex("app/(api)/api/trpc/[trpc]/route.ts", "const handler = (req: Request) => fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter })\n\nexport { handler as GET, handler as POST }   // PUT -> 405"),
        },
        Code::RecipeDeclined => Explanation {
            meaning: "The route is a well-known library's Pages API handler (tRPC's createNextApiHandler, next-auth's NextAuth), but its recipe does not take it: the message names the reason, such as a tRPC createContext that reads `opts.req`/`opts.res` (Pages' objects; the fetch adapter passes a web Request and `resHeaders`), a createContext defined in another module, an option only tRPC's Node adapters have (`middleware`, `maxBodySize`), or a next-auth v5 route whose module already uses the name GET or POST. The route goes on as it would without the recipe (usually the adapter, P2A213).",
            why: "A recipe only writes the library's App Router form where it answers every request as before apart from the differences it reports; otherwise the adapter keeps the behaviour.",
            fix: "Port the part the message names by hand, then run again: a createContext taking `{ req, resHeaders }` of the fetch adapter (`FetchCreateContextFnOptions`), or, for next-auth v5, rename the module's own GET or POST.",
            before: ex("pages/api/trpc/[trpc].ts", "export default createNextApiHandler({\n  router: appRouter,\n  createContext: ({ req }) => ({ user: req.headers.authorization }),\n})"),
            after: ex("app/(api)/api/trpc/[trpc]/route.ts  (by hand)", "const handler = (req: Request) => fetchRequestHandler({\n  endpoint: '/api/trpc',\n  req,\n  router: appRouter,\n  createContext: ({ req }) => ({ user: req.headers.get('authorization') ?? undefined }),\n})\n\nexport { handler as GET, handler as POST }"),
        },
        Code::HelperDefaultArgument => Explanation {
            meaning: "next-basics' response helpers (`ok`, `json`, `badRequest`, `unauthorized`, `forbidden`, `notFound`, `methodNotAllowed`, `tooManyRequest`, `serverError`) were spelled out as the answers they send: `ok(res, data)` is `res.status(200).json(data)`, `badRequest(res, msg)` is `res.status(400).end(msg)`, then migrated like any answer. Their second parameter has a default (`data = {}`, `msg = '400 Bad Request'`), which JavaScript applies when the argument is undefined: where the argument this call passes is undefined at run time, the helper answered `{}` or its message, the migrated call answers an empty body.",
            why: "The call passes an expression whose value the tool cannot know (a variable, a call); a literal argument gets no note.",
            fix: "Where the value can be undefined, write the default yourself: `pages.json(request, data ?? {}, { status: 200 })` (mind `null`, which the helper sent as `null`), or `pages.end(msg ?? '400 Bad Request', { status: 400 })`.",
            before: ex("pages/api/website.ts", "import { ok, badRequest } from 'next-basics'\n\nexport default async (req, res) => {\n  const site = await findSite(req.query.id)\n  if (!site) return badRequest(res)\n  return ok(res, site)\n}"),
            after: ex("app/(api)/api/website/route.ts", "export async function GET(request: Request) {\n  const query = pages.query(request)\n  const site = await findSite(query.id)\n  if (!site) return pages.end('400 Bad Request', { status: 400 })\n  return pages.json(request, site, { status: 200 })\n}"),
        },
        Code::DraftMode => Explanation {
            meaning: "The handler turned draft mode on or off with `res.setDraftMode({ enable })`. The App Router's form is `draftMode()` from next/headers: `(await draftMode()).enable()` and `.disable()`, which set and clear the same `__prerender_bypass` cookie (its value is the build's preview id, as before).",
            why: "Next's cookie store writes the Set-Cookie header itself: the attributes come in its order (`Path` first, `Secure` before `HttpOnly`) and `SameSite` as `none` where Pages wrote `None`; to clear the cookie Pages sent it with the preview id and an expiry in 1970, Next with an empty value and the same expiry. Browsers read both the same (the cookie is set, or deleted).",
            fix: "Nothing to do.",
            before: ex("pages/api/draft.ts", "export default function handler(req, res) {\n  res.setDraftMode({ enable: true })\n  res.redirect(307, '/')\n}"),
            after: ex("app/(api)/api/draft/route.ts", "import { draftMode } from 'next/headers'\n\nexport async function GET(request: Request) {\n  ;(await draftMode()).enable()\n  return pages.redirect(request, 307, '/')\n}"),
        },
        Code::ExportsMoved => Explanation {
            meaning: "The route exported values or types besides its handler and config. route.ts may export only HTTP methods and segment config, so those exports moved to a module beside route.ts (in the route's folder, which the App Router does not serve), with the imports and local declarations they need; route.ts imports back what it uses.",
            why: "Next fails the build on a route.ts that exports other values (`\"authOptions\" is not a valid Route export field`). A declaration both the moved code and the route use moves too and is exported, so there is still one instance of it (state it holds stays shared).",
            fix: "Nothing to do. The module is named after its one export (`authOptions` becomes auth-options.ts), `types` when it holds only types, else `shared`; rename it if you like, its importers are in the patch.",
            before: ex("pages/api/auth/[...nextauth].ts", "import NextAuth from 'next-auth'\nimport GitHub from 'next-auth/providers/github'\n\nexport const authOptions = { providers: [GitHub({})] }\n\nexport default NextAuth(authOptions)"),
            after: ex("app/(api)/api/auth/[...nextauth]/auth-options.ts", "import GitHub from 'next-auth/providers/github'\n\nexport const authOptions = { providers: [GitHub({})] }"),
        },
        Code::JsxRouteKeepsExtension => Explanation {
            meaning: "The route contains JSX (an `ImageResponse` for Open Graph images, an e-mail template), so it is written as `route.tsx` or `route.jsx` instead of `route.ts` / `route.js`.",
            why: "JSX only parses in a file whose extension allows it; Next accepts `route.tsx` and `route.jsx` like the others.",
            fix: "Nothing to do.",
            before: ex(
                "pages/api/og.tsx",
                "import { ImageResponse } from 'next/og'\n\nexport default async function handler(req, res) {\n  const image = new ImageResponse(<div style={{ fontSize: 64 }}>{String(req.query.title)}</div>)\n  res.setHeader('Content-Type', 'image/png')\n  res.send(Buffer.from(await image.arrayBuffer()))\n}",
            ),
            after: ex(
                "app/(api)/api/og/route.tsx",
                "import { ImageResponse } from 'next/og'\nimport type { NextRequest } from 'next/server'\n\nexport function GET(request: NextRequest) {\n  const title = request.nextUrl.searchParams.get('title')\n  return new ImageResponse(<div style={{ fontSize: 64 }}>{String(title)}</div>)\n}",
            ),
        },
    }
}

/// Text styles for [`render`] (ANSI when `color`).
struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Wraps plain prose at `width` columns with `indent` spaces; `- ` items get a hanging indent.
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for line in para.lines() {
            let (first, rest) = if line.starts_with("- ") {
                (indent, indent + 2)
            } else {
                (indent, indent)
            };
            let mut col = 0;
            let mut cur_indent = first;
            for word in line.split(' ').filter(|w| !w.is_empty()) {
                if col > 0 && col + 1 + word.chars().count() > width.saturating_sub(cur_indent) {
                    out.push('\n');
                    col = 0;
                    cur_indent = rest;
                }
                if col == 0 {
                    out.push_str(&" ".repeat(cur_indent));
                } else {
                    out.push(' ');
                    col += 1;
                }
                out.push_str(word);
                col += word.chars().count();
            }
            out.push('\n');
        }
    }
    out
}

/// The explanation of `info` as text for a terminal (ANSI styles when `color`).
pub fn render(info: &CodeInfo, color: bool) -> String {
    let st = Style { color };
    let e = explanation(info.code);
    let (sev, effect, why_title) = match info.severity {
        Severity::Error => (
            st.paint("1;31", "error"),
            "the file is not migrated",
            "Why pages2app did not rewrite it",
        ),
        Severity::Warning => (
            st.paint("1;33", "warning"),
            "migrated; behaviour changes",
            "What pages2app did",
        ),
        Severity::Info => (st.paint("1;36", "note"), "migrated", "What pages2app did"),
    };
    let mut out = String::new();
    out.push_str(&format!(
        "{} {} ({sev}: {effect})\n\n",
        st.paint("1", info.id),
        st.paint("1", info.name)
    ));
    out.push_str(&wrap(info.summary, 80, 0));
    for (title, body) in [
        ("What it means", e.meaning),
        (why_title, e.why),
        ("How to fix it", e.fix),
    ] {
        out.push('\n');
        out.push_str(&st.paint("1", title));
        out.push('\n');
        out.push_str(&wrap(body, 80, 2));
    }
    for (title, x) in [("Before", &e.before), ("After", &e.after)] {
        out.push('\n');
        out.push_str(&format!("{}: {}\n\n", st.paint("1", title), x.path));
        for line in x.code.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// One line per code: id, name, severity and summary (`pages2app explain` with no code).
pub fn index() -> String {
    let mut out = String::new();
    let width = CODES.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in CODES {
        out.push_str(&format!(
            "{}  {:<width$}  {:<7}  {}\n",
            c.id,
            c.name,
            c.severity.as_str(),
            c.summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_explanation_with_before_and_after() {
        for c in CODES {
            let e = explanation(c.code);
            for (what, text) in [
                ("meaning", e.meaning),
                ("why", e.why),
                ("fix", e.fix),
                ("before path", e.before.path),
                ("after path", e.after.path),
            ] {
                assert!(!text.trim().is_empty(), "{} has no {what}", c.id);
            }
            assert!(
                e.before.code.lines().count() >= 1 && e.after.code.lines().count() >= 1,
                "{}",
                c.id
            );
            assert_ne!(
                e.before.code, e.after.code,
                "{}: before and after are the same",
                c.id
            );
            let text = render(c, false);
            for part in [
                "What it means",
                "How to fix it",
                "Before: ",
                "After: ",
                c.id,
                c.name,
            ] {
                assert!(text.contains(part), "{}: no {part:?} in\n{text}", c.id);
            }
            assert!(!text.contains('\x1b'), "{}", c.id);
        }
    }

    #[test]
    fn lookup_by_id_name_or_number() {
        for q in [
            "P2A108",
            "p2a108",
            " P2A108 ",
            "108",
            "response-not-in-tail",
            "Response-Not-In-Tail",
        ] {
            assert_eq!(lookup(q).map(|c| c.id), Some("P2A108"), "{q}");
        }
        assert!(lookup("P2A999").is_none());
        assert!(lookup("nope").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn prose_wraps_at_80_columns() {
        for c in CODES {
            let text = render(c, false);
            let mut in_code = false;
            for line in text.lines() {
                if line.starts_with("Before: ") || line.starts_with("After: ") {
                    in_code = true;
                }
                if !in_code && line.split(' ').count() > 1 {
                    assert!(line.chars().count() <= 80, "{}: {line:?}", c.id);
                }
            }
        }
    }

    #[test]
    fn colors_only_when_asked() {
        let c = &CODES[0];
        assert!(render(c, true).contains("\x1b[1m"));
        assert!(!render(c, false).contains('\x1b'));
    }
}
