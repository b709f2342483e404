//! The texts are read by the `rust_i18n::i18n!` macro at compile time; a changed text must
//! rebuild the crate (the macro alone does not tell cargo to watch the file).
fn main() {
    println!("cargo:rerun-if-changed=locales/app.yml");
}
