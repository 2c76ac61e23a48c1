//! Code generation for the integration tests:
//! * `$OUT_DIR/conformance_cases.rs`: the Django conformance corpus
//!   (`conformance/cases.json`) as real `query!` invocations, included by
//!   `tests/conformance.rs` (see `build/conformance.rs`);
//! * `$OUT_DIR/projection_cases.rs`: the projection and aggregate corpus
//!   (`conformance/projection_cases.json`), included by
//!   `tests/projection_conformance.rs` (see `build/projection.rs`);
//! * `$OUT_DIR/queryset_cases.rs`: the QuerySet-method corpus
//!   (`conformance/queryset_cases.json`: union/intersection/difference,
//!   DISTINCT ON, first/last/latest/earliest, reverse, none, in_bulk,
//!   run-time ordering), included by `tests/queryset_conformance.rs` (see
//!   `build/queryset.rs`);
//! * `$OUT_DIR/differential_cases.rs`: random filter trees for
//!   `tests/differential.rs`, over one table and across relations (see
//!   `build/differential.rs`; `DUNDER_DIFF_SEED`, `DUNDER_DIFF_CASES`,
//!   `DUNDER_DIFF_REL_CASES`), with `F()` expressions, aggregates, GROUP BY
//!   and functions (`DUNDER_DIFF_EXPR_CASES`, `DUNDER_DIFF_REL_EXPR_CASES`,
//!   `DUNDER_DIFF_AGG_CASES`,
//!   `DUNDER_DIFF_GROUP_CASES`, `DUNDER_DIFF_FUNC_CASES`).

use std::path::Path;

#[path = "build/conformance.rs"]
mod conformance;
#[path = "build/differential.rs"]
mod differential;
#[path = "build/projection.rs"]
mod projection;
#[path = "build/queryset.rs"]
mod queryset;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    let out_dir = Path::new(&out_dir);
    println!("cargo:rerun-if-changed=build.rs");

    println!("cargo:rerun-if-changed=build/conformance.rs");
    let cases_path = manifest.join("conformance/cases.json");
    println!("cargo:rerun-if-changed={}", cases_path.display());
    let cases = std::fs::read_to_string(&cases_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", cases_path.display()));
    std::fs::write(
        out_dir.join("conformance_cases.rs"),
        conformance::generate(&cases),
    )
    .expect("write conformance_cases.rs");

    println!("cargo:rerun-if-changed=build/projection.rs");
    let cases_path = manifest.join("conformance/projection_cases.json");
    println!("cargo:rerun-if-changed={}", cases_path.display());
    let cases = std::fs::read_to_string(&cases_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", cases_path.display()));
    std::fs::write(
        out_dir.join("projection_cases.rs"),
        projection::generate(&cases),
    )
    .expect("write projection_cases.rs");

    println!("cargo:rerun-if-changed=build/queryset.rs");
    let cases_path = manifest.join("conformance/queryset_cases.json");
    println!("cargo:rerun-if-changed={}", cases_path.display());
    let cases = std::fs::read_to_string(&cases_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", cases_path.display()));
    std::fs::write(
        out_dir.join("queryset_cases.rs"),
        queryset::generate(&cases),
    )
    .expect("write queryset_cases.rs");

    println!("cargo:rerun-if-changed=build/differential.rs");
    println!("cargo:rerun-if-env-changed=DUNDER_DIFF_SEED");
    let seed = std::env::var("DUNDER_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00d0_4d3e_5eed);
    let count = |var: &str, default: usize| -> usize {
        println!("cargo:rerun-if-env-changed={var}");
        std::env::var(var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let counts = differential::Counts {
        trees: count("DUNDER_DIFF_CASES", 2000),
        relations: count("DUNDER_DIFF_REL_CASES", 1000),
        rel_exprs: count("DUNDER_DIFF_REL_EXPR_CASES", 300),
        exprs: count("DUNDER_DIFF_EXPR_CASES", 500),
        aggregates: count("DUNDER_DIFF_AGG_CASES", 60),
        groups: count("DUNDER_DIFF_GROUP_CASES", 50),
        functions: count("DUNDER_DIFF_FUNC_CASES", 120),
    };
    std::fs::write(
        out_dir.join("differential_cases.rs"),
        differential::generate(seed, &counts),
    )
    .expect("write differential_cases.rs");
}
