//! The blog demo's `manage` command line, as Django's `manage.py`:
//!
//! ```text
//! cargo run --example manage -- makemigrations          # after changing examples/blog/models.rs
//! cargo run --example manage -- sqlmigrate 0001 --dialect postgres
//! cargo run --example manage -- migrate --database sqlite:/tmp/blog.sqlite3
//! cargo run --example manage -- showmigrations --database sqlite:/tmp/blog.sqlite3
//! ```

#[path = "../blog/models.rs"]
mod models;

fn main() -> std::process::ExitCode {
    dunder::migrate::manage(
        &models::BLOG,
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blog/migrations"),
    )
}
