//! pages2app: migrate Next.js Pages Router API routes to App Router Route Handlers.
//!
//! The data flows one way, one module per stage:
//! [`discover`] finds route files → [`route_path`] maps each to its target and URL →
//! [`parse`] parses it with swc → [`transform`] analyses the handler and plans text edits →
//! [`runtime`] assembles the compat helpers the routes import → [`patch`] renders a git patch →
//! [`apply`] writes the files. [`pipeline`] runs those stages over a directory in parallel, and
//! [`report`] turns the outcome into the JSON report ([`github`] into workflow annotations,
//! [`sarif`] into a SARIF log, [`markdown_summary`] into a Markdown summary).

pub mod app_helpers;
pub mod apply;
pub mod change;
pub mod cli;
pub mod depth_guard;
pub mod diagnostics;
pub mod discover;
pub mod edit;
pub mod explain;
pub mod git_guard;
pub mod github;
pub mod importers;
pub mod markdown_summary;
pub mod module_graph;
pub mod next_config;
pub mod output;
pub mod parse;
pub mod patch;
pub mod pipeline;
pub mod recipes;
pub mod report;
pub mod route_path;
pub mod runtime;
pub mod sarif;
pub mod source;
pub mod table;
pub mod text;
pub mod transform;
