//! Library recipes: a route whose handler is a well-known library's Pages API handler becomes
//! the App Router form that library documents, instead of going through the adapter. One file
//! per library; each recipe looks at the parsed route and either migrates it, declines it with a
//! note saying why (P2A317: the library's handler, in a form or version the recipe does not
//! take), or finds it is not its library's; a declined route goes on to the adapter, or stays
//! manual, as before.
//!
//! - [`next_auth`]: `export default NextAuth(authOptions)` (next-auth v4) becomes
//!   `const handler = NextAuth(authOptions)` + `export { handler as GET, handler as POST }`.
//! - [`trpc`]: `export default createNextApiHandler({ router, ... })` becomes
//!   `const handler = (req: Request) => fetchRequestHandler({ endpoint, req, router, ... })` +
//!   `export { handler as GET, handler as POST }`.
//!
//! The app's dependency versions ([`LibraryVersions`], read once per app from its package.json)
//! reach every recipe through [`RouteInput::libraries`].

mod next_auth;
mod trpc;
pub mod versions;

use swc_ecma_ast::Module;

pub use versions::{DepVersion, LibraryVersions};

use crate::diagnostics::Diagnostic;
use crate::transform::{Migrated, RouteInput};

/// What a recipe made of a route.
#[derive(Debug)]
pub enum Recipe {
    /// The App Router form the library documents.
    Taken(Migrated),
    /// The library's handler, but not one the recipe can take: the notes say why (P2A317); the
    /// route goes on as it would without recipes, with these notes added.
    Declined(Vec<Diagnostic>),
    /// Not this library's handler.
    NotMine,
}

/// The first recipe that takes the route, or the notes of those that declined it.
pub fn migrate(input: &RouteInput, module: &Module) -> Recipe {
    let mut notes = Vec::new();
    for recipe in [next_auth::migrate, trpc::migrate] {
        match recipe(input, module) {
            Recipe::Taken(m) => return Recipe::Taken(m),
            Recipe::Declined(d) => notes.extend(d),
            Recipe::NotMine => {}
        }
    }
    if notes.is_empty() {
        Recipe::NotMine
    } else {
        Recipe::Declined(notes)
    }
}

/// `name` appears in `src` as a whole word (an identifier, a property, in a string or comment:
/// a name a generated binding must not take).
pub(crate) fn word_used(src: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
    src.match_indices(name).any(|(at, _)| {
        !word(src[..at].chars().next_back()) && !word(src[at + name.len()..].chars().next())
    })
}
