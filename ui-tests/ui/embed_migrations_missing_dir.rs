// The directory is read at compile time, relative to Cargo.toml.
fn main() {
    let _m = dunder::embed_migrations!("no/such/migrations");
}
