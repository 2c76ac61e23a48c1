//! Every diagnostic the macros (and the runtime's trait bounds) can emit has a
//! trybuild case: this test finds each message in the source and fails when
//! one appears in no `ui/*.stderr`.

use std::path::{Path, PathBuf};

/// Messages no user input can produce, with the reason.
const INTERNAL: &[(&str, &str)] = &[
    (
        "CARGO_MANIFEST_DIR is not set",
        "cargo sets it for every build of a crate",
    ),
    (
        "a subquery's schema is needed",
        "dropped: the query is expanded again through the subquery model's schema macro",
    ),
    (
        "the subquery's model has no primary key",
        "every model has a primary key (the derive refuses one without)",
    ),
    (
        "has no primary key to map rows by",
        "every model has a primary key (the derive refuses one without)",
    ),
    (
        "would both be `",
        "two field names that differ only in underscores (`a_b`, `ab_`) map to one variant; no test model has such a pair",
    ),
    (
        "unknown field kind in schema",
        "schema tokens are written by the derive of the same version",
    ),
    (
        "unknown flag in schema",
        "schema tokens are written by the derive of the same version",
    ),
    (
        "expected `@dunder_query`",
        "only the schema macro calls __query_with_schema",
    ),
    (
        "expected `.method(…)`",
        "syn parses `x.f(…)` as a method call, never as a call, after the model",
    ),
    (
        "expected a field name",
        "the lexer never gives an empty `__` path",
    ),
    (
        "unknown relation kind in schema",
        "schema tokens are written by the derive of the same version",
    ),
    (
        "dunder: a related model's schema is needed",
        "never shown: the query expands again through the related model's schema macro",
    ),
    (
        "many-to-many without a through table",
        "the derive gives every ManyToMany a through table",
    ),
    (
        "enable dunder's `decimal` feature",
        "only without dunder's `decimal` feature, which the ui tests build with (unit test model::tests::decimal_fields_need_the_feature)",
    ),
    (
        "needs a primary key on",
        "the derive refuses a model without a primary key (derive_no_primary_key)",
    ),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "snapshots") {
                sources(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "rs")
            && !p.ends_with("tests.rs")
            && !p.ends_with("fuzz.rs")
        {
            out.push(p);
        }
    }
}

/// The string literal that starts at `s` (after `"`), unescaped enough to match.
fn literal(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            },
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

/// The longest fixed part of a message (between `{…}` placeholders).
fn fingerprint(msg: &str) -> String {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in msg.chars() {
        match c {
            '{' => {
                depth += 1;
                parts.push(std::mem::take(&mut cur));
            }
            '}' if depth > 0 => depth -= 1,
            c if depth == 0 => cur.push(c),
            _ => {}
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .max_by_key(|p| p.len())
        .unwrap_or_default()
}

/// Every diagnostic message in a source file.
fn messages(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in [
        "syn::Error::new(",
        "meta.error(",
        "message = \"",
        "label = \"",
    ] {
        let mut rest = text;
        while let Some(i) = rest.find(marker) {
            rest = &rest[i + marker.len()..];
            let window: String = rest.chars().take(400).collect();
            let start = if marker.ends_with('"') {
                Some(0)
            } else {
                window.find('"').map(|q| q + 1)
            };
            if let Some(lit) = start.and_then(|q| literal(&window[q..])) {
                out.push(lit);
            }
        }
    }
    out
}

#[test]
fn every_diagnostic_has_a_ui_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    sources(&root.join("macros/src"), &mut files);
    files.push(root.join("runtime/src/param.rs"));
    files.push(root.join("runtime/src/lib.rs"));
    files.push(root.join("runtime/src/atomic.rs"));
    let mut stderr = String::new();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"))
        .expect("ui dir")
        .flatten()
    {
        if entry.path().extension().is_some_and(|e| e == "stderr") {
            stderr.push_str(&std::fs::read_to_string(entry.path()).expect("stderr"));
        }
    }
    let mut missing = Vec::new();
    let mut count = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        for msg in messages(&text) {
            let fp = fingerprint(&msg);
            if fp.len() < 6 {
                continue;
            }
            count += 1;
            if INTERNAL
                .iter()
                .any(|(m, _)| fp.contains(m) || m.contains(fp.as_str()))
            {
                continue;
            }
            if !stderr.contains(&fp) {
                missing.push(format!(
                    "{}: {msg:?}",
                    file.strip_prefix(&root).unwrap_or(&file).display()
                ));
            }
        }
    }
    assert!(
        count > 40,
        "found only {count} diagnostics: the scanner is broken"
    );
    assert!(
        missing.is_empty(),
        "{} diagnostics have no ui test (add a case to ui-tests/ui/ or, if no input can trigger it, to INTERNAL):\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}
