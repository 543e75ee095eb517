//! Choosing identifiers for generated code that cannot clash with the user's.

use rustc_hash::FxHashMap;
use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// Every identifier in a module, with how often it is bound (declared) and referenced.
/// Keyed by swc's atoms, which carry their hash: building the table allocates nothing per
/// identifier.
#[derive(Default)]
pub struct IdentTable {
    all: FxHashMap<Atom, usize>,
    bindings: FxHashMap<Atom, usize>,
}

impl IdentTable {
    /// The table of `m`; in the same walk, counts the references of `tracked` names outside
    /// import declarations per top-level item into `per_item` (`per_item[i * tracked.len() + k]`,
    /// see `reparse::ImportedNames`).
    pub fn of_module_counting(m: &Module, tracked: &[Atom], per_item: &mut [usize]) -> Self {
        let mut t = IdentTable::default();
        if tracked.is_empty() {
            m.visit_with(&mut t);
            return t;
        }
        for (item, counts) in m.body.iter().zip(per_item.chunks_mut(tracked.len())) {
            item.visit_with(&mut Counting {
                table: &mut t,
                tracked,
                counts,
            });
        }
        t
    }
    /// How often `name` occurs as an identifier in the module.
    pub fn count(&self, name: &str) -> usize {
        self.all.get(&Atom::from(name)).copied().unwrap_or(0)
    }

    fn is_free(&self, name: &str, reusable: Option<&str>) -> bool {
        let atom = Atom::from(name);
        match self.all.get(&atom) {
            None => true,
            // The handler's own parameter name can be reused when nothing else binds it: every
            // reference to that parameter is rewritten.
            Some(_) => {
                reusable == Some(name) && self.bindings.get(&atom).copied().unwrap_or(0) <= 1
            }
        }
    }
}

impl Visit for IdentTable {
    fn visit_ident(&mut self, i: &Ident) {
        *self.all.entry(i.sym.clone()).or_default() += 1;
    }
    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        *self.bindings.entry(b.id.sym.clone()).or_default() += 1;
        b.visit_children_with(self);
    }
    fn visit_fn_decl(&mut self, f: &FnDecl) {
        *self.bindings.entry(f.ident.sym.clone()).or_default() += 1;
        f.visit_children_with(self);
    }
    fn visit_class_decl(&mut self, c: &ClassDecl) {
        *self.bindings.entry(c.ident.sym.clone()).or_default() += 1;
        c.visit_children_with(self);
    }
    fn visit_import_named_specifier(&mut self, s: &ImportNamedSpecifier) {
        *self.bindings.entry(s.local.sym.clone()).or_default() += 1;
        s.visit_children_with(self);
    }
    fn visit_assign_pat_prop(&mut self, p: &AssignPatProp) {
        *self.bindings.entry(p.key.sym.clone()).or_default() += 1;
        p.visit_children_with(self);
    }
}

/// [`IdentTable`]'s walk that also counts tracked names outside imports.
struct Counting<'a> {
    table: &'a mut IdentTable,
    tracked: &'a [Atom],
    counts: &'a mut [usize],
}

impl Visit for Counting<'_> {
    fn visit_import_decl(&mut self, i: &ImportDecl) {
        // Imports go in the table but are not references.
        i.visit_with(self.table);
    }
    fn visit_ident(&mut self, i: &Ident) {
        self.table.visit_ident(i);
        if let Some(k) = self.tracked.iter().position(|n| *n == i.sym) {
            self.counts[k] += 1;
        }
    }
    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        *self.table.bindings.entry(b.id.sym.clone()).or_default() += 1;
        b.visit_children_with(self);
    }
    fn visit_fn_decl(&mut self, f: &FnDecl) {
        *self.table.bindings.entry(f.ident.sym.clone()).or_default() += 1;
        f.visit_children_with(self);
    }
    fn visit_class_decl(&mut self, c: &ClassDecl) {
        *self.table.bindings.entry(c.ident.sym.clone()).or_default() += 1;
        c.visit_children_with(self);
    }
    fn visit_assign_pat_prop(&mut self, p: &AssignPatProp) {
        *self.table.bindings.entry(p.key.sym.clone()).or_default() += 1;
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
}

impl Names {
    pub fn choose(
        table: &IdentTable,
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
        let handler = match handler_name {
            Some(h) => h.to_string(),
            None => pick(&["handler", "routeHandler"], None),
        };
        Names {
            request: pick(&["request", "nextRequest"], req_param),
            context: pick(&["context", "routeContext"], None),
            query: pick(&["query", "reqQuery", "pagesQuery"], None),
            body: pick(&["body", "reqBody", "pagesBody"], None),
            headers: pick(&["headers", "resHeaders", "responseHeaders"], None),
            status: pick(&["status", "resStatus", "statusCode"], None),
            pages: pick(&["pages", "pagesCompat", "pagesApi"], None),
            method_not_allowed: pick(&["methodNotAllowed", "notAllowed"], None),
            handler,
        }
    }
}
