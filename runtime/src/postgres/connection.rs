//! [`Connection`]: dunder's own PostgreSQL client, which speaks the protocol
//! itself over a blocking socket (see `wire.rs`).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type};

use super::wire::{self, DbError, Wire, WireError, IDLE};
use super::{check_values, classify, describe_temporal, pg_type, AddressHasher, NulInText};
use crate::error::{Error, Result};
use crate::exec::{Cursor, Executor};
use crate::model::{decode_error, Decode, Dialect, Row, Sql};
use crate::query::Consume;
use crate::value::Value;

/// A connection to PostgreSQL that speaks the protocol itself, with a
/// statement cache: what [`Db::connect`](crate::Db::connect) opens for a
/// `postgres://` URL, and the fastest way to run dunder's queries.
///
/// Each `query!` is prepared once per connection (a named statement) and
/// from then on only bound and executed, in one round trip: one `write` of
/// `Bind`, `Execute` and `Sync`, and one `read` of the answer, whose rows are
/// decoded straight from the bytes the server sent. The first run of a
/// query prepares it in the same round trip. There is no async runtime and
/// no background task; a statement's cost on the client is a small part of
/// the postgres crate's (see the README's Performance section).
///
/// What it does not do: TLS (`sslmode=require` is refused; use
/// [`Client`](crate::postgres::Client) with a TLS connector), Kerberos or
/// GSSAPI authentication, `COPY`, `LISTEN` (notifications are dropped).
/// Password, MD5 and SCRAM-SHA-256 authentication, several hosts and
/// Unix-domain sockets (`host=/var/run/postgresql`) work as with libpq.
///
/// ```no_run
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Tag {
///     id: i64,
///     name: String,
/// }
///
/// let mut db = dunder::postgres::Connection::connect("postgres://postgres@localhost/app")?;
/// let tags = query!(Tag, name__istartswith = "rust").fetch_all(&mut db)?;
/// let mut tx = db.transaction()?;
/// let n = query!(Tag.count()).run(&mut tx)?;
/// tx.commit()?;
/// # Ok::<(), dunder::Error>(())
/// ```
pub struct Connection {
    wire: Wire,
    statements: Statements,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("statements", &self.statements.map.len())
            .field("wire", &self.wire)
            .finish()
    }
}

/// A prepared statement of the connection.
struct Prepared {
    name: String,
    columns: Box<[Column]>,
}

/// A result column: its name and type.
struct Column {
    name: String,
    ty: Type,
}

fn columns(described: Vec<(String, u32)>) -> Box<[Column]> {
    described
        .into_iter()
        .map(|(name, oid)| Column {
            name,
            ty: Type::from_oid(oid).unwrap_or_else(|| {
                Type::new(
                    format!("oid {oid}"),
                    oid,
                    postgres::types::Kind::Simple,
                    String::new(),
                )
            }),
        })
        .collect()
}

/// The prepared statements, keyed by the address of their `&'static` SQL.
#[derive(Default)]
struct Statements {
    map: HashMap<(usize, usize), Prepared, BuildHasherDefault<AddressHasher>>,
    next: u64,
}

/// How a statement is sent.
#[derive(Clone, Copy)]
enum Mode {
    /// Prepared once and cached; a statement whose plan went stale is
    /// prepared again and, when `retry`, run again once.
    Cached { retry: bool },
    /// The unnamed statement: parsed, bound and run, nothing kept (SQL text
    /// known only at run time).
    Unnamed,
}

/// Where the columns of a started statement are.
enum Cols {
    /// In the cache, under this key.
    Cached((usize, usize)),
    /// Described for this run only.
    Owned(Box<[Column]>),
}

/// The first message after the statement's header: a row, or the end.
struct Started {
    cols: Cols,
    first: (u8, Range<usize>),
}

impl Connection {
    /// Connects to the server named by a URL (`postgres://user:pw@host:port/db`)
    /// or a libpq key=value string (`host=/run/postgresql user=app`).
    pub fn connect(params: &str) -> Result<Connection> {
        let config: postgres::Config = params.parse().map_err(|e| Error::Connection {
            source: Box::new(super::PgError(e)),
        })?;
        let wire = wire::connect(&config).map_err(|e| match e {
            WireError::Db(db) => Error::Connection { source: db },
            WireError::Io(io) => Error::Connection {
                source: Box::new(io),
            },
            WireError::Encode(e) => Error::Connection { source: e },
        })?;
        Ok(Connection {
            wire,
            statements: Statements::default(),
        })
    }

    /// Begins a transaction (`BEGIN`); it rolls back when dropped without
    /// [`commit`](ConnectionTx::commit).
    pub fn transaction(&mut self) -> Result<ConnectionTx<'_>> {
        self.simple("BEGIN")?;
        Ok(ConnectionTx {
            conn: self,
            depth: 0,
            done: false,
        })
    }

    /// Runs SQL text without parameters: one statement or several
    /// separated by `;` (DDL, a script).
    pub fn batch_execute(&mut self, sql: &str) -> Result<()> {
        self.simple(sql)
    }

    /// Runs raw SQL that returns no rows, `?` placeholders bound to
    /// `params` (see [`Db::execute`](crate::Db::execute)); the rows affected.
    pub fn execute(&mut self, sql: &str, params: &[&dyn crate::ToValue]) -> Result<u64> {
        crate::raw::execute(self, sql, params)
    }

    /// Runs a raw SQL query and decodes every row as `R` (see
    /// [`Db::query`](crate::Db::query)).
    pub fn query<R: crate::FromRow>(
        &mut self,
        sql: &str,
        params: &[&dyn crate::ToValue],
    ) -> Result<Vec<R>> {
        crate::raw::query(self, sql, params)
    }

    /// How many statements are prepared on this connection.
    pub fn cached_statements(&self) -> usize {
        self.statements.map.len()
    }

    /// Whether the connection was lost (every statement will fail with
    /// [`Error::Connection`]; connect again).
    pub fn is_closed(&self) -> bool {
        self.wire.is_broken()
    }

    fn simple(&mut self, sql: &str) -> Result<()> {
        self.wire.simple(sql).map_err(|e| wire_error(e, sql))
    }

    /// Writes and sends the statement, then reads its answer up to the
    /// first row or its end.
    fn start(&mut self, text: &str, params: &[Value<'_>], mode: Mode) -> Result<Started> {
        check_values(params, text)?;
        let mut retry = matches!(mode, Mode::Cached { retry: true });
        loop {
            match self.try_start(text, params, mode) {
                Ok(started) => return Ok(started),
                Err((e, stale)) => {
                    if stale && retry && self.wire.status == IDLE {
                        retry = false;
                        continue;
                    }
                    return Err(wire_error(e, text));
                }
            }
        }
    }

    /// One attempt; on error, whether a cached statement went stale.
    fn try_start(
        &mut self,
        text: &str,
        params: &[Value<'_>],
        mode: Mode,
    ) -> std::result::Result<Started, (WireError, bool)> {
        let key = key_of_str(text);
        let plain = |e| (e, false);
        // Write the request; a value that cannot be written leaves nothing
        // of it behind.
        let mark = self.wire.out.len();
        let new_name = self.write_request(text, key, params, mode).map_err(|e| {
            self.wire.discard_from(mark);
            (e, false)
        })?;
        self.wire.execute_sync();
        self.wire.send().map_err(plain)?;

        // Read the header: ParseComplete, ParameterDescription,
        // RowDescription or NoData, BindComplete.
        let mut parsed = false;
        let mut described: Option<Box<[Column]>> = None;
        loop {
            let (tag, body) = self.wire.read().map_err(plain)?;
            match tag {
                b'1' => parsed = true,
                b'2' | b't' => {}
                b'T' => match wire::row_description(self.wire.body(body)) {
                    Ok(cols) => described = Some(columns(cols)),
                    Err(_) => return Err(plain(self.wire.corrupt("a malformed RowDescription"))),
                },
                b'n' => described = Some(Box::new([])),
                b'D' | b'C' | b'I' | b's' => {
                    let cols = match (mode, new_name) {
                        (Mode::Unnamed, _) => Cols::Owned(described.unwrap_or_default()),
                        (Mode::Cached { .. }, Some(name)) => {
                            self.statements.map.insert(
                                key,
                                Prepared {
                                    name,
                                    columns: described.unwrap_or_default(),
                                },
                            );
                            Cols::Cached(key)
                        }
                        (Mode::Cached { .. }, None) => Cols::Cached(key),
                    };
                    return Ok(Started {
                        cols,
                        first: (tag, body),
                    });
                }
                b'E' => {
                    let e = self.wire.error_then_drain(body);
                    let stale = matches!(&e, WireError::Db(db) if is_stale(db));
                    match (mode, new_name) {
                        // A statement prepared now that failed later (a
                        // constraint, a cast) is kept: it exists on the
                        // server.
                        (Mode::Cached { .. }, Some(name)) if parsed && !stale => match described {
                            Some(columns) => {
                                self.statements.map.insert(key, Prepared { name, columns });
                            }
                            None => {
                                let _ = self.wire.close(&name);
                            }
                        },
                        (Mode::Cached { .. }, Some(name)) if parsed => {
                            let _ = self.wire.close(&name);
                        }
                        (Mode::Cached { .. }, None) if stale => {
                            // Forget it, and close it with the next request.
                            if let Some(p) = self.statements.map.remove(&key) {
                                let _ = self.wire.close(&p.name);
                            }
                        }
                        _ => {}
                    }
                    return Err((e, stale));
                }
                other => return Err(plain(self.wire.unexpected(other))),
            }
        }
    }

    /// Writes Parse, Describe and Bind as `mode` needs; the name of a
    /// statement prepared now.
    fn write_request(
        &mut self,
        text: &str,
        key: (usize, usize),
        params: &[Value<'_>],
        mode: Mode,
    ) -> wire::WireResult<Option<String>> {
        Ok(match mode {
            Mode::Unnamed => {
                self.parse(None, text, params)?;
                self.bind("", params)?;
                self.wire.describe(b'P', "")?;
                None
            }
            Mode::Cached { .. } => match self.statements.map.get(&key) {
                Some(p) => {
                    let name = p.name.as_str();
                    // Borrow the name while writing into the wire.
                    bind_into(&mut self.wire, name, params)?;
                    None
                }
                None => {
                    let name = format!("dunder_{}", self.statements.next);
                    self.statements.next += 1;
                    self.parse(Some(&name), text, params)?;
                    self.wire.describe(b'S', &name)?;
                    self.bind(&name, params)?;
                    Some(name)
                }
            },
        })
    }

    fn parse(
        &mut self,
        name: Option<&str>,
        text: &str,
        params: &[Value<'_>],
    ) -> wire::WireResult<()> {
        let mut oids = [0u32; 16];
        let many: Vec<u32>;
        let types: &[u32] = if params.len() <= oids.len() {
            for (o, p) in oids.iter_mut().zip(params) {
                *o = pg_type(p).oid();
            }
            &oids[..params.len()]
        } else {
            many = params.iter().map(|p| pg_type(p).oid()).collect();
            &many
        };
        self.wire.parse(name.unwrap_or(""), text, types)
    }

    fn bind(&mut self, name: &str, params: &[Value<'_>]) -> wire::WireResult<()> {
        bind_into(&mut self.wire, name, params)
    }

    /// Runs a statement and gives its rows to `consume`.
    fn run<K: Consume>(
        &mut self,
        text: &str,
        params: &[Value<'_>],
        consume: K,
        mode: Mode,
    ) -> Result<K::Output> {
        let started = self.start(text, params, mode)?;
        let columns: &[Column] = match &started.cols {
            Cols::Cached(key) => match self.statements.map.get(key) {
                Some(p) => &p.columns,
                None => &[],
            },
            Cols::Owned(c) => c,
        };
        let mut cursor = WireCursor {
            wire: &mut self.wire,
            columns,
            next: Next::Pending(started.first.0, started.first.1),
            offsets: Vec::new(),
            text,
        };
        let out = consume.consume(&mut cursor).map_err(|e| e.with_sql(text));
        let rest = cursor.finish();
        let out = out?;
        rest?;
        Ok(out)
    }

    /// Runs a statement that returns no rows; the rows affected.
    fn execute_statement(&mut self, text: &str, params: &[Value<'_>], mode: Mode) -> Result<u64> {
        let started = self.start(text, params, mode)?;
        let (mut tag, mut body) = started.first;
        loop {
            match tag {
                b'C' => {
                    let n = wire::rows_affected(self.wire.body(body));
                    self.wire.drain().map_err(|e| wire_error(e, text))?;
                    return Ok(n);
                }
                b'I' | b's' => {
                    self.wire.drain().map_err(|e| wire_error(e, text))?;
                    return Ok(0);
                }
                b'E' => return Err(wire_error(self.wire.error_then_drain(body), text)),
                b'D' => {}
                other => return Err(wire_error(self.wire.unexpected(other), text)),
            }
            (tag, body) = self.wire.read().map_err(|e| wire_error(e, text))?;
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.wire.terminate();
    }
}

fn key_of_str(text: &str) -> (usize, usize) {
    (text.as_ptr() as usize, text.len())
}

/// Writes `Bind` of `name` with `params` in binary.
fn bind_into(wire: &mut Wire, name: &str, params: &[Value<'_>]) -> wire::WireResult<()> {
    wire.bind(name, params.len(), |i, out| encode(&params[i], out))
}

#[inline]
fn encode(v: &Value<'_>, out: &mut BytesMut) -> wire::WireResult<bool> {
    use bytes::BufMut;
    match v {
        Value::Null(_) => Ok(false),
        // The common cases, written directly.
        Value::BigInt(x) => {
            out.put_i64(*x);
            Ok(true)
        }
        Value::Int(x) => {
            out.put_i32(*x);
            Ok(true)
        }
        Value::Text(s) => {
            out.put_slice(s.as_bytes());
            Ok(true)
        }
        other => match other.to_sql(&pg_type(other), out) {
            Ok(IsNull::No) => Ok(true),
            Ok(IsNull::Yes) => Ok(false),
            Err(e) => Err(WireError::Encode(e)),
        },
    }
}

/// The server refused a prepared statement because the schema changed under
/// it ("cached plan must not change result type") or forgot it.
fn is_stale(e: &DbError) -> bool {
    e.code() == "0A000" || e.code() == "26000"
}

/// Turns a wire error into a [`dunder::Error`](Error).
pub(crate) fn wire_error(e: WireError, sql: &str) -> Error {
    match e {
        WireError::Db(db) => {
            let code = db.code().to_owned();
            let constraint = db.constraint().map(str::to_owned);
            let column = db.column().map(str::to_owned);
            classify(&code, constraint, column, sql.to_owned(), db)
        }
        WireError::Io(io) => Error::Connection {
            source: Box::new(io),
        },
        WireError::Encode(e) => {
            if let Some(nul) = e.downcast_ref::<NulInText>() {
                return Error::InvalidValue {
                    reason: format!("a row of the insert has {nul}"),
                    sql: sql.to_owned(),
                };
            }
            Error::InvalidValue {
                reason: e.to_string(),
                sql: sql.to_owned(),
            }
        }
    }
}

/// What the cursor reads next.
enum Next {
    /// A message read but not yet handled (the first after the header).
    Pending(u8, Range<usize>),
    /// The next message from the socket.
    Read,
    /// Nothing: the answer was read up to `ReadyForQuery`.
    Done,
}

struct WireCursor<'c> {
    wire: &'c mut Wire,
    columns: &'c [Column],
    next: Next,
    /// Where each value of the current row is in its `DataRow` (`None`: NULL).
    offsets: Vec<Option<Range<usize>>>,
    text: &'c str,
}

impl WireCursor<'_> {
    /// Reads what is left of the answer (a consumer may stop early).
    fn finish(&mut self) -> Result<()> {
        loop {
            match self.next_row() {
                Ok(Some(_)) => {}
                Ok(None) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for WireCursor<'_> {
    fn drop(&mut self) {
        if !matches!(self.next, Next::Done) {
            self.next = Next::Done;
            let _ = self.wire.drain();
        }
    }
}

impl Cursor for WireCursor<'_> {
    type Row<'r>
        = WireRow<'r>
    where
        Self: 'r;

    #[inline]
    fn next_row(&mut self) -> Result<Option<WireRow<'_>>> {
        let (tag, body) = match std::mem::replace(&mut self.next, Next::Read) {
            Next::Pending(tag, body) => (tag, body),
            Next::Read => match self.wire.read() {
                Ok(m) => m,
                Err(e) => {
                    self.next = Next::Done;
                    return Err(wire_error(e, self.text));
                }
            },
            Next::Done => {
                self.next = Next::Done;
                return Ok(None);
            }
        };
        match tag {
            b'D' => {
                if !split_row(self.wire.body(body.clone()), &mut self.offsets) {
                    self.next = Next::Done;
                    let e = self.wire.corrupt("a malformed DataRow");
                    return Err(wire_error(e, self.text));
                }
                Ok(Some(WireRow {
                    data: self.wire.body(body),
                    offsets: &self.offsets,
                    columns: self.columns,
                }))
            }
            b'C' | b'I' | b's' => {
                self.next = Next::Done;
                self.wire.drain().map_err(|e| wire_error(e, self.text))?;
                Ok(None)
            }
            b'E' => {
                self.next = Next::Done;
                Err(wire_error(self.wire.error_then_drain(body), self.text))
            }
            other => {
                self.next = Next::Done;
                Err(wire_error(self.wire.unexpected(other), self.text))
            }
        }
    }
}

/// Finds the values of a `DataRow`; `false` if it is malformed.
#[inline]
fn split_row(data: &[u8], offsets: &mut Vec<Option<Range<usize>>>) -> bool {
    offsets.clear();
    let Some(n) = data.get(..2) else { return false };
    let n = u16::from_be_bytes([n[0], n[1]]);
    let mut at = 2;
    for _ in 0..n {
        let Some(len) = data.get(at..at + 4) else {
            return false;
        };
        let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        at += 4;
        if len < 0 {
            offsets.push(None);
        } else {
            let end = at + len as usize;
            if end > data.len() {
                return false;
            }
            offsets.push(Some(at..end));
            at = end;
        }
    }
    true
}

/// A row of a [`Connection`]'s result, decoded from the `DataRow`'s bytes.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct WireRow<'r> {
    data: &'r [u8],
    offsets: &'r [Option<Range<usize>>],
    columns: &'r [Column],
}

impl Row for WireRow<'_> {
    #[inline]
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        let (Some(col), Some(at)) = (self.columns.get(idx), self.offsets.get(idx)) else {
            return Err(decode_error(
                column,
                T::EXPECTED,
                "no such column in the result",
            ));
        };
        let raw = at.clone().map(|r| &self.data[r]);
        if !<T::Pg as FromSql<'_>>::accepts(&col.ty) {
            return Err(self.decode_failed(idx, column, T::EXPECTED, raw.is_none()));
        }
        match <T::Pg as FromSql<'_>>::from_sql_nullable(&col.ty, raw) {
            Ok(v) => Ok(T::from_pg(v)),
            Err(_) => Err(self.decode_failed(idx, column, T::EXPECTED, raw.is_none())),
        }
    }

    fn __column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

impl WireRow<'_> {
    #[cold]
    #[inline(never)]
    fn decode_failed(
        &self,
        idx: usize,
        column: &'static str,
        expected: &'static str,
        null: bool,
    ) -> Error {
        let found = if null {
            "NULL".to_owned()
        } else {
            let ty = &self.columns[idx].ty;
            let raw = self.offsets[idx]
                .clone()
                .map(|r| &self.data[r])
                .unwrap_or(&[]);
            describe_temporal(raw, ty).unwrap_or_else(|| format!("a value of type {ty}"))
        };
        decode_error(column, expected, found)
    }
}

/// A transaction (or savepoint) of a [`Connection`]: queries run on
/// `&mut tx`; it rolls back when dropped without
/// [`commit`](ConnectionTx::commit).
pub struct ConnectionTx<'a> {
    conn: &'a mut Connection,
    /// 0 for the transaction, n for the n-th nested savepoint.
    depth: u32,
    done: bool,
}

impl std::fmt::Debug for ConnectionTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionTx")
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

impl ConnectionTx<'_> {
    /// A savepoint inside this transaction.
    pub fn savepoint(&mut self) -> Result<ConnectionTx<'_>> {
        let depth = self.depth + 1;
        self.conn.simple(&format!("SAVEPOINT dunder_{depth}"))?;
        Ok(ConnectionTx {
            conn: &mut *self.conn,
            depth,
            done: false,
        })
    }

    /// Commits the transaction (or releases the savepoint).
    ///
    /// When the connection is lost while the outermost transaction's
    /// `COMMIT` is under way, the transaction may or may not have committed:
    /// the error is [`Error::CommitUnknown`], never to be retried blindly.
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        if self.depth == 0 {
            self.conn
                .simple("COMMIT")
                .map_err(|e| e.at_commit("COMMIT"))
        } else {
            self.conn
                .simple(&format!("RELEASE SAVEPOINT dunder_{}", self.depth))
        }
    }

    /// Rolls the transaction (or the savepoint) back.
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.undo()
    }

    fn undo(&mut self) -> Result<()> {
        if self.depth == 0 {
            self.conn.simple("ROLLBACK")
        } else {
            let d = self.depth;
            self.conn.simple(&format!(
                "ROLLBACK TO SAVEPOINT dunder_{d}; RELEASE SAVEPOINT dunder_{d}"
            ))
        }
    }

    /// Runs SQL text without parameters inside the transaction.
    pub fn batch_execute(&mut self, sql: &str) -> Result<()> {
        self.conn.simple(sql)
    }

    /// Raw SQL that returns no rows (see [`Connection::execute`]).
    pub fn execute(&mut self, sql: &str, params: &[&dyn crate::ToValue]) -> Result<u64> {
        crate::raw::execute(self, sql, params)
    }

    /// A raw SQL query (see [`Connection::query`]).
    pub fn query<R: crate::FromRow>(
        &mut self,
        sql: &str,
        params: &[&dyn crate::ToValue],
    ) -> Result<Vec<R>> {
        crate::raw::query(self, sql, params)
    }
}

impl Drop for ConnectionTx<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.wire.is_broken() {
            let _ = self.undo();
        }
    }
}

impl Executor for &mut Connection {
    #[inline]
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    type __Again<'r>
        = &'r mut Connection
    where
        Self: 'r;
    #[inline]
    fn __again(&mut self) -> &mut Connection {
        self
    }
    #[inline]
    fn __run<K: Consume>(
        self,
        sql: &'static Sql,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        self.run(sql.postgres, params, consume, Mode::Cached { retry: true })
    }
    #[inline]
    fn __execute(self, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64> {
        self.execute_statement(sql.postgres, params, Mode::Cached { retry: true })
    }
    fn __run_text<K: Consume>(
        self,
        text: &str,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        self.run(text, params, consume, Mode::Unnamed)
    }
    fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64> {
        self.execute_statement(text, params, Mode::Unnamed)
    }
    fn execute_batch(self, sql: &str) -> Result<()> {
        self.simple(sql)
    }
}

// Inside a transaction a statement whose cached plan went stale has aborted
// the transaction: the error is returned (and the statement prepared again
// next time).
impl<'t> Executor for &mut ConnectionTx<'t> {
    #[inline]
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    type __Again<'r>
        = &'r mut ConnectionTx<'t>
    where
        Self: 'r;
    #[inline]
    fn __again(&mut self) -> &mut ConnectionTx<'t> {
        self
    }
    #[inline]
    fn __run<K: Consume>(
        self,
        sql: &'static Sql,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        self.conn
            .run(sql.postgres, params, consume, Mode::Cached { retry: false })
    }
    #[inline]
    fn __execute(self, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64> {
        self.conn
            .execute_statement(sql.postgres, params, Mode::Cached { retry: false })
    }
    fn __run_text<K: Consume>(
        self,
        text: &str,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        self.conn.run(text, params, consume, Mode::Unnamed)
    }
    fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64> {
        self.conn.execute_statement(text, params, Mode::Unnamed)
    }
    fn execute_batch(self, sql: &str) -> Result<()> {
        self.conn.simple(sql)
    }
}

/// The rows of a migration query as text (see `MigrationConn::__rows`).
pub(crate) struct TextRows;

impl Consume for TextRows {
    type Output = Vec<Vec<Option<String>>>;
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<Self::Output> {
        let mut out = Vec::new();
        let mut width = None;
        while let Some(row) = cursor.next_row()? {
            let n = *width.get_or_insert_with(|| row.__column_names().len());
            out.push(
                (0..n)
                    .map(|i| row.get::<Option<String>>(i, crate::raw::UNNAMED))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        Ok(out)
    }
}

impl crate::migrate::MigrationConn for Connection {
    fn __dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn __batch(&mut self, sql: &str) -> Result<()> {
        self.simple(sql)
    }
    fn __applied(&mut self, app: &str) -> Result<Vec<(String, String)>> {
        let sql = crate::migrate::APPLIED_SQL[1];
        let rows = self.run(sql, &[Value::Text(app.into())], TextRows, Mode::Unnamed)?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                let checksum = r.pop().flatten().unwrap_or_default();
                let name = r.pop().flatten().unwrap_or_default();
                (name, checksum)
            })
            .collect())
    }
    fn __record(&mut self, app: &str, name: &str, checksum: Option<&str>) -> Result<()> {
        let (sql, params) = match checksum {
            Some(c) => (
                crate::migrate::RECORD_SQL[1],
                vec![
                    Value::Text(app.into()),
                    Value::Text(name.into()),
                    Value::Text(c.into()),
                ],
            ),
            None => (
                crate::migrate::FORGET_SQL[1],
                vec![Value::Text(app.into()), Value::Text(name.into())],
            ),
        };
        self.execute_statement(sql, &params, Mode::Unnamed)
            .map(|_| ())
    }
    fn __rows(&mut self, sql: &str, param: &str) -> Result<Vec<Vec<Option<String>>>> {
        self.run(sql, &[Value::Text(param.into())], TextRows, Mode::Unnamed)
    }
}
