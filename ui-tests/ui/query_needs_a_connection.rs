use dunder::prelude::*;
use dunder_test_models::conformance::Article;

// DISTINCT ON is PostgreSQL's: a SQLite connection cannot run it.
fn on_sqlite(conn: &rusqlite::Connection) {
    let _ = query!(Article.order_by(author).distinct(author)).fetch_all(conn);
}

// Row locks last until the transaction ends: not on a bare client.
fn on_client(client: &mut dunder::postgres_client::Client) {
    let _ = query!(Article.filter(pk = 1).select_for_update()).fetch_all(client);
}

// Nor on dunder's own client outside a transaction.
fn on_connection(conn: &mut dunder::postgres::Connection) {
    let _ = query!(Article.filter(pk = 1).select_for_update()).fetch_all(conn);
}

// Inside a transaction, and on SQLite (a no-op there), it runs.
fn in_transaction(
    tx: &mut dunder::postgres_client::Transaction<'_>,
    own: &mut dunder::postgres::ConnectionTx<'_>,
    conn: &rusqlite::Connection,
) {
    let _ = query!(Article.filter(pk = 1).select_for_update()).fetch_all(tx);
    let _ = query!(Article.filter(pk = 1).select_for_update()).fetch_all(own);
    let _ = query!(Article.filter(pk = 1).select_for_update()).fetch_all(conn);
}

fn main() {}
