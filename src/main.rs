fn main() {
    std::process::exit(pages2app::cli::main());
}
