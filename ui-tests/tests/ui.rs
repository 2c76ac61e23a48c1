//! Every class of mistake a user can make with `#[derive(Model)]` and
//! `query!` is a compile error with a reviewed message (`ui/*.stderr`).
//! Regenerate after a deliberate change with `TRYBUILD=overwrite` and review
//! every diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
