// `atomic_with_retry` runs the whole transaction again, so it needs the
// connection, not a transaction or savepoint.

fn main() -> Result<(), dunder::Error> {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    dunder::atomic(&mut conn, |tx| {
        dunder::atomic_with_retry(tx, 3, |_sp| Ok::<_, dunder::Error>(()))
    })
}
