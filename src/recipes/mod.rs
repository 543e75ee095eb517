//! Library recipes: a route whose handler is a well-known library's Pages API handler becomes
//! the App Router form that library documents, instead of going through the adapter. One file
//! per library; each recipe looks at the parsed route and either migrates it or declines (then
//! the route goes on to the adapter, or stays manual, as before).
//!
//! - [`next_auth`]: `export default NextAuth(authOptions)` (next-auth v4) becomes
//!   `const handler = NextAuth(authOptions)` + `export { handler as GET, handler as POST }`.

mod next_auth;

use swc_ecma_ast::Module;

use crate::transform::{Migrated, RouteInput};

/// The migration of the first recipe that takes the route, if any.
pub fn migrate(input: &RouteInput, module: &Module) -> Option<Migrated> {
    next_auth::migrate(input, module)
}
