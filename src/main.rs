// swc allocates and frees many small AST nodes per file; mimalloc handles that pattern better
// than the system allocator (scripts/bench measures the difference).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(pages2app::cli::main());
}
