//! The `twofold` binary (the terminal UI arrives in a later commit).
fn main() {}
