//! Printing generated AST nodes with swc_ecma_codegen (import declarations the tool changes).

use swc_common::{sync::Lrc, SourceMap};
use swc_ecma_ast::*;
use swc_ecma_codegen::{text_writer::JsWriter, Config, Emitter, Node};

thread_local! {
    static CM: Lrc<SourceMap> = Lrc::new(SourceMap::default());
}

fn print<N: Node>(node: &N) -> String {
    CM.with(|cm| {
        let mut buf = Vec::new();
        {
            let writer = JsWriter::new(cm.clone(), "\n", &mut buf, None);
            let mut emitter = Emitter {
                cfg: Config::default(),
                cm: cm.clone(),
                comments: None,
                wr: writer,
            };
            if node.emit_with(&mut emitter).is_err() {
                return String::new();
            }
        }
        String::from_utf8(buf)
            .unwrap_or_default()
            .trim_end()
            .to_string()
    })
}

/// An import declaration, one line.
pub fn print_import(i: &ImportDecl) -> String {
    print(i)
}

/// `export const <name> = <value>;` where `value` is an expression node.
pub fn print_const_export(name: &str, value: Expr) -> String {
    let decl = ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl {
        span: Default::default(),
        decl: Decl::Var(Box::new(VarDecl {
            kind: VarDeclKind::Const,
            decls: vec![VarDeclarator {
                span: Default::default(),
                name: Pat::Ident(BindingIdent {
                    id: Ident::new_no_ctxt(name.into(), Default::default()),
                    type_ann: None,
                }),
                init: Some(Box::new(value)),
                definite: false,
            }],
            ..Default::default()
        })),
    }));
    print(&decl)
}
