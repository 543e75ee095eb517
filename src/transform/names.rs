//! Choosing identifiers for generated code that cannot clash with the user's.

use rustc_hash::FxHashMap;
use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// How often names occur in a module as identifiers, and how often each is bound (declared).
///
/// The walk counts only *watched* names: every name [`Names::choose`] may pick, the handler's
/// parameters, the module's top-level declarations (the delegates [`IdentTable::count`] is
/// asked about) and the imported names (counted per top-level item as well, for the import
/// cleanup). A query for any other name (a numbered fallback such as `request2`, needed only
/// when every preferred name is taken) walks the module again for that name. So the one walk
/// every route pays is a hash lookup per identifier, with nothing inserted or cloned: keeping a
/// table of every identifier cost 6% of a dry run.
pub struct IdentTable<'m> {
    module: &'m Module,
    watched: FxHashMap<Atom, usize>,
    /// Per watched name (its slot in `watched`).
    counts: Vec<Slot>,
}

/// What the walk counts of one watched name.
#[derive(Clone, Copy, Default)]
struct Slot {
    occurrences: usize,
    bindings: usize,
    /// Its index in the tracked (imported) names, when it is one.
    tracked: Option<usize>,
}

/// What a walk does with one identifier occurrence or binding.
trait Tally {
    fn ident(&mut self, sym: &Atom);
    fn binding(&mut self, sym: &Atom);
    /// Entering (`true`) or leaving an import declaration.
    fn in_import(&mut self, _inside: bool) {}
}

/// The names every route's walk watches besides its own: the candidates of [`Names::choose`].
const CANDIDATES: [&[&str]; 12] = [
    &["handler", "routeHandler"],
    &["request", "nextRequest"],
    &["context", "routeContext"],
    &["query", "reqQuery", "pagesQuery"],
    &["body", "reqBody", "pagesBody"],
    &["headers", "resHeaders", "responseHeaders"],
    &["status", "resStatus", "statusCode"],
    &["pages", "pagesCompat", "pagesApi"],
    &["methodNotAllowed", "notAllowed"],
    &["requestHeaders", "reqHeaders"],
    &["cookies", "nextCookies", "cookieStore"],
    &["draftMode", "nextDraftMode"],
];

impl<'m> IdentTable<'m> {
    /// The table of `m`, watching `extra` names besides the candidates and the top-level
    /// declarations; in the same walk, counts the references of `tracked` names outside import
    /// declarations per top-level item into `per_item` (`per_item[i * tracked.len() + k]`, see
    /// `reparse::ImportedNames`).
    pub fn of_module_counting(
        m: &'m Module,
        extra: &[&str],
        tracked: &[Atom],
        per_item: &mut [usize],
    ) -> Self {
        let mut t = IdentTable {
            module: m,
            watched: FxHashMap::default(),
            counts: Vec::new(),
        };
        for name in CANDIDATES.iter().flat_map(|c| c.iter()).chain(extra) {
            t.watch(Atom::from(*name));
        }
        for item in &m.body {
            for name in top_level_names(item) {
                t.watch(name.clone());
            }
        }
        // Tracked names are watched too, so one lookup per identifier serves both.
        for (k, name) in tracked.iter().enumerate() {
            let slot = t.watch(name.clone());
            t.counts[slot].tracked.get_or_insert(k);
        }
        let counts = std::mem::take(&mut t.counts);
        let mut walk = Walk {
            watched: &t.watched,
            counts,
            tracked: &mut [],
            stashed: &mut [],
        };
        if tracked.is_empty() {
            m.visit_with(&mut Visitor(&mut walk));
        } else {
            for (item, counts) in m.body.iter().zip(per_item.chunks_mut(tracked.len())) {
                walk.tracked = counts;
                item.visit_with(&mut Visitor(&mut walk));
            }
        }
        t.counts = walk.counts;
        t
    }

    /// Watches `name`; its slot.
    fn watch(&mut self, name: Atom) -> usize {
        let next = self.counts.len();
        let slot = *self.watched.entry(name).or_insert(next);
        if slot == next {
            self.counts.push(Slot::default());
        }
        slot
    }

    /// (occurrences, bindings) of `name`.
    fn counts_of(&self, name: &str) -> (usize, usize) {
        let atom = Atom::from(name);
        if let Some(&i) = self.watched.get(&atom) {
            return (self.counts[i].occurrences, self.counts[i].bindings);
        }
        let mut one = One {
            name: atom,
            counts: (0, 0),
        };
        self.module.visit_with(&mut Visitor(&mut one));
        one.counts
    }

    /// How often `name` occurs as an identifier in the module.
    pub fn count(&self, name: &str) -> usize {
        self.counts_of(name).0
    }

    pub fn is_free(&self, name: &str, reusable: Option<&str>) -> bool {
        match self.counts_of(name) {
            (0, _) => true,
            // The handler's own parameter name can be reused when nothing else binds it: every
            // reference to that parameter is rewritten.
            (_, bindings) => reusable == Some(name) && bindings <= 1,
        }
    }
}

/// The names a top-level item declares as a function, a class, or plain names in a
/// `const`/`let`/`var` (destructured ones are not watched: the fallback walk counts them).
fn top_level_names(item: &ModuleItem) -> Vec<&Atom> {
    let decl = match item {
        ModuleItem::Stmt(Stmt::Decl(d)) => d,
        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => &e.decl,
        _ => return Vec::new(),
    };
    match decl {
        Decl::Fn(f) => vec![&f.ident.sym],
        Decl::Class(c) => vec![&c.ident.sym],
        Decl::Var(v) => v
            .decls
            .iter()
            .filter_map(|d| d.name.as_ident().map(|b| &b.id.sym))
            .collect(),
        _ => Vec::new(),
    }
}

/// The table's walk: watched names counted, tracked names counted per item outside imports.
struct Walk<'a> {
    watched: &'a FxHashMap<Atom, usize>,
    counts: Vec<Slot>,
    /// The current item's counts of tracked names (empty inside imports: they go in the table
    /// but are not references).
    tracked: &'a mut [usize],
    /// `tracked` while inside an import.
    stashed: &'a mut [usize],
}

impl Tally for Walk<'_> {
    fn ident(&mut self, sym: &Atom) {
        if let Some(&i) = self.watched.get(sym) {
            let slot = &mut self.counts[i];
            slot.occurrences += 1;
            if let (Some(k), false) = (slot.tracked, self.tracked.is_empty()) {
                self.tracked[k] += 1;
            }
        }
    }
    fn binding(&mut self, sym: &Atom) {
        if let Some(&i) = self.watched.get(sym) {
            self.counts[i].bindings += 1;
        }
    }
    fn in_import(&mut self, inside: bool) {
        if inside {
            self.stashed = std::mem::take(&mut self.tracked);
        } else {
            self.tracked = std::mem::take(&mut self.stashed);
        }
    }
}

/// A walk for one name not watched.
struct One {
    name: Atom,
    counts: (usize, usize),
}

impl Tally for One {
    fn ident(&mut self, sym: &Atom) {
        if *sym == self.name {
            self.counts.0 += 1;
        }
    }
    fn binding(&mut self, sym: &Atom) {
        if *sym == self.name {
            self.counts.1 += 1;
        }
    }
}

/// The walk over any [`Tally`]: every identifier, and the bindings among them (a declared
/// function or class, a binding pattern, an import's local name, a shorthand default).
struct Visitor<'t, T: Tally>(&'t mut T);

impl<T: Tally> Visit for Visitor<'_, T> {
    fn visit_import_decl(&mut self, i: &ImportDecl) {
        self.0.in_import(true);
        i.visit_children_with(self);
        self.0.in_import(false);
    }
    fn visit_ident(&mut self, i: &Ident) {
        self.0.ident(&i.sym);
    }
    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        self.0.binding(&b.id.sym);
        b.visit_children_with(self);
    }
    fn visit_fn_decl(&mut self, f: &FnDecl) {
        self.0.binding(&f.ident.sym);
        f.visit_children_with(self);
    }
    fn visit_class_decl(&mut self, c: &ClassDecl) {
        self.0.binding(&c.ident.sym);
        c.visit_children_with(self);
    }
    fn visit_import_named_specifier(&mut self, s: &ImportNamedSpecifier) {
        self.0.binding(&s.local.sym);
        s.visit_children_with(self);
    }
    fn visit_assign_pat_prop(&mut self, p: &AssignPatProp) {
        self.0.binding(&p.key.sym);
        p.visit_children_with(self);
    }
}

/// The names generated code uses in one route.
#[derive(Clone, Debug)]
pub struct Names {
    pub request: String,
    pub context: String,
    pub query: String,
    pub body: String,
    pub headers: String,
    pub status: String,
    pub pages: String,
    pub handler: String,
    pub method_not_allowed: String,
    /// `pages.headers(request)` bound once in a function that reads it more than once.
    pub request_headers: String,
    /// `cookies` of next/headers, where the route imports it (iron-session's cookie store).
    pub cookies: String,
    /// `draftMode` of next/headers, where the route imports it.
    pub draft_mode: String,
}

impl Names {
    pub fn choose(
        table: &IdentTable<'_>,
        req_param: Option<&str>,
        handler_name: Option<&str>,
    ) -> Names {
        let pick = |candidates: &[&str], reusable: Option<&str>| -> String {
            for c in candidates {
                if table.is_free(c, reusable) {
                    return c.to_string();
                }
            }
            let base = candidates[0];
            (2..)
                .map(|n| format!("{base}{n}"))
                .find(|c| table.is_free(c, None))
                .unwrap_or_else(|| format!("{base}_"))
        };
        let [handler, request, context, query, body, headers, status, pages, method_not_allowed, request_headers, cookies, draft_mode] =
            CANDIDATES;
        let handler = match handler_name {
            Some(h) => h.to_string(),
            None => pick(handler, None),
        };
        Names {
            request: pick(request, req_param),
            context: pick(context, None),
            query: pick(query, None),
            body: pick(body, None),
            headers: pick(headers, None),
            status: pick(status, None),
            pages: pick(pages, None),
            method_not_allowed: pick(method_not_allowed, None),
            request_headers: pick(request_headers, None),
            cookies: pick(cookies, None),
            draft_mode: pick(draft_mode, None),
            handler,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;
    use crate::route_path::Lang;

    fn table_of(src: &str) -> (Module, Vec<Atom>) {
        let m = parse_module(src, Lang::Ts).expect("test source parses");
        let tracked = crate::transform::reparse::imported_locals(&m);
        (m, tracked)
    }

    #[test]
    fn taken_names_fall_back_to_numbered_ones_found_by_a_second_walk() {
        let src = "const request = 1; const nextRequest = 2; function f(request2: number) {}\n\
                   export default function handler(req, res) { res.json(request + nextRequest) }";
        let (m, tracked) = table_of(src);
        let mut per_item = vec![0; tracked.len() * m.body.len()];
        let t = IdentTable::of_module_counting(&m, &["req", "res"], &tracked, &mut per_item);
        let names = Names::choose(&t, Some("req"), Some("handler"));
        // `request2` is not watched: only the fallback walk sees that `f` binds it.
        assert_eq!(names.request, "request3");
        assert_eq!(names.query, "query");
        assert_eq!(t.count("request2"), 1);
        assert_eq!(t.count("request"), 2);
    }

    #[test]
    fn the_parameter_name_is_reused_only_when_nothing_else_binds_it() {
        let one = "export default function handler(request, res) { res.json(request.query) }";
        let (m, tracked) = table_of(one);
        let mut per_item = vec![0; tracked.len() * m.body.len()];
        let t = IdentTable::of_module_counting(&m, &["request", "res"], &tracked, &mut per_item);
        assert_eq!(Names::choose(&t, Some("request"), None).request, "request");

        let two = "function g(request) {}\n\
                   export default function handler(request, res) { res.json(g(request)) }";
        let (m, tracked) = table_of(two);
        let t = IdentTable::of_module_counting(&m, &["request", "res"], &tracked, &mut per_item);
        assert_eq!(
            Names::choose(&t, Some("request"), None).request,
            "nextRequest"
        );
    }

    #[test]
    fn top_level_declarations_are_counted_for_the_delegate_check() {
        let src = "async function sendError(res, m) { res.status(500).json({ m }) }\n\
                   const other = sendError;\n\
                   export default function handler(req, res) { return sendError(res, 'x') }";
        let (m, tracked) = table_of(src);
        let mut per_item = vec![0; tracked.len() * m.body.len()];
        let t = IdentTable::of_module_counting(&m, &["req", "res"], &tracked, &mut per_item);
        assert_eq!(t.count("sendError"), 3);
        assert_eq!(t.count("other"), 1);
    }

    #[test]
    fn imported_names_are_counted_per_item_outside_imports() {
        let src = "import { a, b as c } from './x';\nimport d from 'd';\n\
                   const x = a + a;\nfunction f() { return c(d) }\n\
                   export default function handler(req, res) { res.json(a) }";
        let (m, tracked) = table_of(src);
        let mut per_item = vec![0; tracked.len() * m.body.len()];
        IdentTable::of_module_counting(&m, &["req", "res"], &tracked, &mut per_item);
        let names: Vec<&str> = tracked.iter().map(|a| a.as_str()).collect();
        assert_eq!(names, ["a", "c", "d"]);
        // Rows are items (two imports, x, f, handler); columns are a, c, d.
        assert_eq!(per_item, [0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 1, 1, 0, 0]);
        let reference = crate::transform::reparse::ImportedNames::of_module(&m);
        assert_eq!(reference.totals(), [3, 1, 1]);
    }
}
