//! Runs one side of the fetch benchmark in a loop, for instruction counts
//! (`valgrind --tool=callgrind`): `cargo run --release -p dunder-bench --example profile -- dunder 10000 20`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let side = args.get(1).map(String::as_str).unwrap_or("dunder");
    let n: i64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let reps: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let conn = dunder_bench::database(10_000);
    let mut total = 0usize;
    for _ in 0..reps {
        let rows = match side {
            "rusqlite" => dunder_bench::raw_fetch(&conn, n),
            _ => dunder_bench::dunder_fetch(&conn, n),
        };
        total += rows.len();
    }
    println!("{side}: {total} rows");
}
