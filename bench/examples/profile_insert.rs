//! Runs one side of the insert benchmark in a loop, for instruction counts
//! (`valgrind --tool=callgrind`):
//! `cargo run --release -p dunder-bench --example profile_insert -- dunder 10 1000`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let side = args.get(1).map(String::as_str).unwrap_or("dunder");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let reps: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    dunder::create_table::<dunder_bench::User, _>(&conn).expect("table");
    let data = dunder_bench::rows(n);
    let sql = dunder_bench::raw_sql(n);
    let mut total = 0usize;
    for _ in 0..reps {
        total += match side {
            "rusqlite" => dunder_bench::raw_insert(&conn, &sql, &data).len(),
            _ => dunder_bench::User::bulk_create(&conn, &data)
                .expect("bulk")
                .len(),
        };
    }
    println!("{side}: {total} rows");
}
