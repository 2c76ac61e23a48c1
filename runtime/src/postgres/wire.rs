//! PostgreSQL's frontend/backend protocol (version 3) over a blocking
//! socket: what [`Connection`](super::Connection) speaks.
//!
//! One request is written into `out` (Parse, Bind, Execute, …, Sync) and
//! sent with one `write`; the answers are read from one buffer, message by
//! message, and a row is decoded straight from the bytes of its `DataRow`.
//! There is no runtime, no task and no channel between the caller and the
//! socket. Every request ends with `Sync`, so every answer ends with
//! `ReadyForQuery`, and [`Wire::drain`] reads up to it after an error or a
//! cursor left early: the next request always starts on a clean stream.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::Range;
use std::time::Duration;

use bytes::{BufMut, BytesMut};

/// The socket: TCP, or a Unix-domain socket (a host that is a directory).
enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Read for Stream {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An error the PostgreSQL server reported (its `ErrorResponse`): the
/// SQLSTATE, the message and whatever detail the server gave. Shown as psql
/// shows it: `ERROR: … (SQLSTATE …)`, then `DETAIL:` and `HINT:` lines.
#[derive(Debug, Clone, Default)]
pub struct DbError {
    severity: String,
    code: String,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
    position: Option<u32>,
    schema: Option<String>,
    table: Option<String>,
    column: Option<String>,
    constraint: Option<String>,
}

impl DbError {
    /// The SQLSTATE (`"23505"` for a unique violation).
    pub fn code(&self) -> &str {
        &self.code
    }
    /// `ERROR`, `FATAL` or `PANIC`.
    pub fn severity(&self) -> &str {
        &self.severity
    }
    /// The primary message.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The `DETAIL`, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// The `HINT`, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
    /// Where in the SQL text the error is (a character index from 1).
    pub fn position(&self) -> Option<u32> {
        self.position
    }
    /// The schema of the object concerned.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
    /// The table concerned.
    pub fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }
    /// The column concerned (a NOT NULL violation names it).
    pub fn column(&self) -> Option<&str> {
        self.column.as_deref()
    }
    /// The constraint concerned (unique, foreign key, check).
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    /// Reads the fields of an `ErrorResponse` body.
    fn parse(body: &[u8]) -> DbError {
        let mut e = DbError::default();
        let mut rest = body;
        while let Some((&kind, tail)) = rest.split_first() {
            if kind == 0 {
                break;
            }
            let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
            let value = String::from_utf8_lossy(&tail[..end]).into_owned();
            rest = tail.get(end + 1..).unwrap_or(&[]);
            match kind {
                // `V` is never localized; `S` may be.
                b'V' => e.severity = value,
                b'S' if e.severity.is_empty() => e.severity = value,
                b'C' => e.code = value,
                b'M' => e.message = value,
                b'D' => e.detail = Some(value),
                b'H' => e.hint = Some(value),
                b'P' => e.position = value.parse().ok(),
                b's' => e.schema = Some(value),
                b't' => e.table = Some(value),
                b'c' => e.column = Some(value),
                b'n' => e.constraint = Some(value),
                _ => {}
            }
        }
        e
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} (SQLSTATE {})",
            self.severity, self.message, self.code
        )?;
        if let Some(detail) = &self.detail {
            write!(f, "\n  DETAIL: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  HINT: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}

/// What went wrong on the wire.
#[derive(Debug)]
pub(crate) enum WireError {
    /// The server refused the request; the connection is fine.
    Db(Box<DbError>),
    /// The socket failed or closed, or the server sent what this client does
    /// not understand: the connection cannot be used any more.
    Io(io::Error),
    /// A value could not be written into the request (nothing was sent).
    Encode(Box<dyn std::error::Error + Send + Sync>),
}

pub(crate) type WireResult<T> = std::result::Result<T, WireError>;

fn protocol(what: impl Into<String>) -> WireError {
    WireError::Io(io::Error::new(io::ErrorKind::InvalidData, what.into()))
}

/// The transaction status the server reports in `ReadyForQuery`.
pub(crate) const IDLE: u8 = b'I';

/// One connection's socket and buffers.
pub(crate) struct Wire {
    stream: Stream,
    /// The request being written (frontend messages).
    pub(crate) out: BytesMut,
    /// Answers read from the socket; `pos..end` is not yet read.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Set once the socket failed: every later request fails at once.
    broken: bool,
    /// The status of the last `ReadyForQuery` (`I`, `T` or `E`).
    pub(crate) status: u8,
    /// Whether the request under way is of the extended protocol.
    extended: bool,
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wire")
            .field("status", &(self.status as char))
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

/// Where and as whom to connect, read from a URL or key=value string by the
/// postgres crate's parser (the same syntax as libpq's).
pub(crate) fn connect(config: &postgres::Config) -> WireResult<Wire> {
    use postgres::config::{Host, SslMode};
    if config.get_ssl_mode() == SslMode::Require {
        return Err(WireError::Io(io::Error::new(
            io::ErrorKind::Unsupported,
            "sslmode=require: dunder::postgres::Connection speaks to the server without TLS; \
             use dunder::postgres::Client::connect with a TLS connector instead",
        )));
    }
    let hosts: Vec<Host> = if config.get_hosts().is_empty() {
        vec![Host::Tcp("localhost".into())]
    } else {
        config.get_hosts().to_vec()
    };
    let ports = config.get_ports();
    let timeout = config.get_connect_timeout().copied();
    let mut last = None;
    for (i, host) in hosts.iter().enumerate() {
        // One port for all hosts, or one per host (libpq's rule).
        let port = match ports {
            [] => 5432,
            [p] => *p,
            many => many.get(i).copied().unwrap_or(5432),
        };
        match open(host, port, timeout).and_then(|stream| startup(stream, config)) {
            Ok(wire) => return Ok(wire),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| protocol("no host to connect to")))
}

fn open(host: &postgres::config::Host, port: u16, timeout: Option<Duration>) -> WireResult<Stream> {
    use postgres::config::Host;
    match host {
        Host::Tcp(name) => {
            let mut last = None;
            for addr in (name.as_str(), port)
                .to_socket_addrs()
                .map_err(WireError::Io)?
            {
                let tried = match timeout {
                    Some(t) if !t.is_zero() => TcpStream::connect_timeout(&addr, t),
                    _ => TcpStream::connect(addr),
                };
                match tried {
                    Ok(s) => {
                        // Requests are whole messages written at once: never
                        // wait to coalesce them.
                        s.set_nodelay(true).map_err(WireError::Io)?;
                        return Ok(Stream::Tcp(s));
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(WireError::Io(last.unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("{name} has no address"))
            })))
        }
        #[cfg(unix)]
        Host::Unix(dir) => {
            let path = dir.join(format!(".s.PGSQL.{port}"));
            std::os::unix::net::UnixStream::connect(&path)
                .map(Stream::Unix)
                .map_err(|e| {
                    WireError::Io(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
                })
        }
        #[cfg(not(unix))]
        _ => Err(protocol("Unix-domain sockets need a Unix system")),
    }
}

/// The startup message and authentication, up to the first
/// `ReadyForQuery`.
fn startup(stream: Stream, config: &postgres::Config) -> WireResult<Wire> {
    use postgres_protocol::authentication::{md5_hash, sasl};
    use postgres_protocol::message::frontend;

    let mut wire = Wire {
        stream,
        out: BytesMut::with_capacity(1024),
        buf: vec![0; 8192],
        pos: 0,
        end: 0,
        broken: false,
        status: IDLE,
        extended: false,
    };
    let os_user = std::env::var("USER").unwrap_or_else(|_| "postgres".into());
    let user = config.get_user().unwrap_or(&os_user).to_owned();
    let mut params = vec![("client_encoding", "UTF8"), ("user", user.as_str())];
    if let Some(db) = config.get_dbname() {
        params.push(("database", db));
    }
    if let Some(options) = config.get_options() {
        params.push(("options", options));
    }
    if let Some(name) = config.get_application_name() {
        params.push(("application_name", name));
    }
    frontend::startup_message(params.iter().copied(), &mut wire.out).map_err(WireError::Io)?;
    wire.send()?;

    let password = || {
        config.get_password().ok_or_else(|| {
            WireError::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("the server asks a password for user {user:?} and none was given"),
            ))
        })
    };
    let mut scram: Option<sasl::ScramSha256> = None;
    loop {
        let (tag, body) = wire.read()?;
        let body = &wire.buf[body];
        match tag {
            b'R' => {
                let kind = body
                    .get(..4)
                    .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                    .ok_or_else(|| protocol("short authentication message"))?;
                let data = &body[4..];
                match kind {
                    0 => {}
                    3 => {
                        let pw = password()?;
                        frontend::password_message(pw, &mut wire.out).map_err(WireError::Io)?;
                        wire.send()?;
                    }
                    5 => {
                        let pw = password()?;
                        let salt: [u8; 4] = data
                            .get(..4)
                            .and_then(|s| s.try_into().ok())
                            .ok_or_else(|| protocol("short MD5 salt"))?;
                        let hash = md5_hash(user.as_bytes(), pw, salt);
                        frontend::password_message(hash.as_bytes(), &mut wire.out)
                            .map_err(WireError::Io)?;
                        wire.send()?;
                    }
                    10 => {
                        let offers_scram = data
                            .split(|&b| b == 0)
                            .any(|m| m == sasl::SCRAM_SHA_256.as_bytes());
                        if !offers_scram {
                            return Err(protocol(
                                "the server offers no SASL mechanism this client knows (SCRAM-SHA-256)",
                            ));
                        }
                        let s = sasl::ScramSha256::new(password()?, sasl::ChannelBinding::unsupported());
                        frontend::sasl_initial_response(sasl::SCRAM_SHA_256, s.message(), &mut wire.out)
                            .map_err(WireError::Io)?;
                        wire.send()?;
                        scram = Some(s);
                    }
                    11 => {
                        let s = scram.as_mut().ok_or_else(|| protocol("SASL continue before SASL"))?;
                        s.update(data).map_err(WireError::Io)?;
                        frontend::sasl_response(s.message(), &mut wire.out).map_err(WireError::Io)?;
                        wire.send()?;
                    }
                    12 => {
                        let s = scram.as_mut().ok_or_else(|| protocol("SASL final before SASL"))?;
                        s.finish(data).map_err(WireError::Io)?;
                    }
                    other => {
                        return Err(protocol(format!(
                            "the server asks for an authentication method this client does not speak (code {other}: Kerberos, GSSAPI or SSPI)"
                        )))
                    }
                }
            }
            b'K' => {}
            b'E' => return Err(WireError::Db(Box::new(DbError::parse(body)))),
            b'Z' => {
                wire.status = body.first().copied().unwrap_or(IDLE);
                return Ok(wire);
            }
            other => {
                return Err(protocol(format!(
                    "unexpected message {:?} during startup",
                    other as char
                )))
            }
        }
    }
}

impl Wire {
    /// Whether the socket failed (nothing more can be sent).
    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }

    /// Sends what is in `out`.
    pub(crate) fn send(&mut self) -> WireResult<()> {
        if self.broken {
            self.out.clear();
            return Err(WireError::Io(io::Error::new(
                io::ErrorKind::NotConnected,
                "the connection to the server was lost earlier",
            )));
        }
        let r = self.stream.write_all(&self.out);
        self.out.clear();
        r.map_err(|e| self.fail(e))
    }

    fn fail(&mut self, e: io::Error) -> WireError {
        self.broken = true;
        WireError::Io(e)
    }

    /// The body of a message read last.
    #[inline]
    pub(crate) fn body(&self, r: Range<usize>) -> &[u8] {
        &self.buf[r]
    }

    /// The next message that matters: its tag and where its body is (valid
    /// until the next read). Notices, notifications, parameter changes and
    /// `CloseComplete` are skipped.
    #[inline]
    pub(crate) fn read(&mut self) -> WireResult<(u8, Range<usize>)> {
        loop {
            let (tag, body) = self.read_raw()?;
            match tag {
                b'N' | b'A' | b'S' | b'3' => continue,
                _ => return Ok((tag, body)),
            }
        }
    }

    #[inline]
    fn read_raw(&mut self) -> WireResult<(u8, Range<usize>)> {
        self.fill(5)?;
        let head = &self.buf[self.pos..self.pos + 5];
        let tag = head[0];
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l >= 4)
            .ok_or_else(|| protocol(format!("message {:?} of length {len}", tag as char)))?;
        self.fill(1 + len)?;
        let body = self.pos + 5..self.pos + 1 + len;
        self.pos = body.end;
        Ok((tag, body))
    }

    /// Makes `n` bytes from `pos` readable.
    #[inline]
    fn fill(&mut self, n: usize) -> WireResult<()> {
        if self.end - self.pos >= n {
            return Ok(());
        }
        if self.broken {
            return Err(WireError::Io(io::Error::new(
                io::ErrorKind::NotConnected,
                "the connection to the server was lost earlier",
            )));
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() < n {
            let size = n.max(self.buf.len() * 2);
            self.buf.resize(size, 0);
        }
        while self.end < n {
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    return Err(self.fail(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    )))
                }
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok(())
    }

    /// Reads up to `ReadyForQuery`, keeping the first error the server
    /// reported on the way.
    pub(crate) fn drain(&mut self) -> WireResult<()> {
        let mut first = None;
        loop {
            let (tag, body) = self.read()?;
            match tag {
                b'Z' => {
                    self.status = self.buf[body].first().copied().unwrap_or(IDLE);
                    // A large answer's buffer is not kept for the life of
                    // the connection.
                    if self.buf.len() > 1 << 20 && self.pos == self.end {
                        self.buf = vec![0; 8192];
                        (self.pos, self.end) = (0, 0);
                    }
                    return match first {
                        Some(e) => Err(e),
                        None => Ok(()),
                    };
                }
                b'E' if first.is_none() => {
                    first = Some(WireError::Db(Box::new(DbError::parse(&self.buf[body]))));
                }
                // Copy is never started by dunder's statements; a raw
                // `COPY … FROM STDIN` is refused rather than left hanging.
                // (The server ignores the request's own `Sync` in copy-in
                // mode, so an extended-protocol request needs another one
                // after the failure; a simple query does not.)
                b'G' => {
                    postgres_protocol::message::frontend::copy_fail(
                        "dunder does not support COPY FROM STDIN",
                        &mut self.out,
                    )
                    .map_err(WireError::Io)?;
                    if self.extended {
                        postgres_protocol::message::frontend::sync(&mut self.out);
                    }
                    self.send()?;
                }
                _ => {}
            }
        }
    }

    /// A message that has no place here (`tag`): `COPY FROM STDIN` is
    /// refused (`CopyFail`), and the answer read up to `ReadyForQuery`, so
    /// the stream stays in step; the server's error if it gave one.
    pub(crate) fn unexpected(&mut self, tag: u8) -> WireError {
        let what = format!("unexpected message {:?} from the server", tag as char);
        if tag == b'G' {
            let r = postgres_protocol::message::frontend::copy_fail(
                "dunder does not support COPY FROM STDIN",
                &mut self.out,
            );
            if r.is_err() {
                return self.corrupt(what);
            }
            if self.extended {
                postgres_protocol::message::frontend::sync(&mut self.out);
            }
            if let Err(e) = self.send() {
                return e;
            }
        }
        match self.drain() {
            Err(e) => e,
            Ok(()) => protocol(what),
        }
    }

    /// A message this client cannot read: the connection is given up.
    pub(crate) fn corrupt(&mut self, what: impl Into<String>) -> WireError {
        self.broken = true;
        protocol(what)
    }

    /// The server's error in the body of an `ErrorResponse`, after reading
    /// up to `ReadyForQuery`.
    pub(crate) fn error_then_drain(&mut self, body: Range<usize>) -> WireError {
        let e = DbError::parse(&self.buf[body]);
        match self.drain() {
            Ok(()) | Err(WireError::Db(_)) => WireError::Db(Box::new(e)),
            Err(other) => other,
        }
    }

    /// Runs SQL text without parameters (the simple query protocol: several
    /// statements separated by `;` run as one implicit transaction unless
    /// they hold their own `BEGIN`/`COMMIT`).
    pub(crate) fn simple(&mut self, sql: &str) -> WireResult<()> {
        postgres_protocol::message::frontend::query(sql, &mut self.out).map_err(WireError::Io)?;
        self.extended = false;
        self.send()?;
        self.drain()
    }

    /// Writes `Parse` of statement `name` with the parameters' type OIDs.
    pub(crate) fn parse(&mut self, name: &str, sql: &str, types: &[u32]) -> WireResult<()> {
        let out = &mut self.out;
        out.put_u8(b'P');
        let at = out.len();
        out.put_i32(0);
        put_cstr(out, name)?;
        put_cstr(out, sql)?;
        out.put_i16(i16::try_from(types.len()).map_err(|_| too_many_parameters())?);
        for t in types {
            out.put_u32(*t);
        }
        finish(out, at)
    }

    /// Writes `Describe` of a statement (`b'S'`) or portal (`b'P'`).
    pub(crate) fn describe(&mut self, kind: u8, name: &str) -> WireResult<()> {
        let out = &mut self.out;
        out.put_u8(b'D');
        let at = out.len();
        out.put_i32(0);
        out.put_u8(kind);
        put_cstr(out, name)?;
        finish(out, at)
    }

    /// Writes `Close` of statement `name` (answered by `CloseComplete`,
    /// which [`read`](Wire::read) skips).
    pub(crate) fn close(&mut self, name: &str) -> WireResult<()> {
        let out = &mut self.out;
        out.put_u8(b'C');
        let at = out.len();
        out.put_i32(0);
        out.put_u8(b'S');
        put_cstr(out, name)?;
        finish(out, at)
    }

    /// Writes `Bind` of statement `name` to the unnamed portal: every
    /// parameter and every result column in binary; `write` writes
    /// parameter `i` after its length, or returns `false` for NULL.
    pub(crate) fn bind(
        &mut self,
        name: &str,
        count: usize,
        mut write: impl FnMut(usize, &mut BytesMut) -> WireResult<bool>,
    ) -> WireResult<()> {
        let start = self.out.len();
        let r = (|| {
            let out = &mut self.out;
            out.put_u8(b'B');
            let at = out.len();
            out.put_i32(0);
            out.put_u8(0); // the unnamed portal
            put_cstr(out, name)?;
            let n = i16::try_from(count).map_err(|_| too_many_parameters())?;
            out.put_i16(1);
            out.put_i16(1); // every parameter in binary
            out.put_i16(n);
            for i in 0..count {
                let len_at = out.len();
                out.put_i32(-1);
                if write(i, out)? {
                    let len = i32::try_from(out.len() - len_at - 4)
                        .map_err(|_| WireError::Encode("a value larger than 2 GiB".into()))?;
                    out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
                }
            }
            out.put_i16(1);
            out.put_i16(1); // every result column in binary
            finish(out, at)
        })();
        if r.is_err() {
            // Nothing half-written is ever sent.
            self.out.truncate(start);
        }
        r
    }

    /// Writes `Execute` of the unnamed portal (all rows) and `Sync`.
    pub(crate) fn execute_sync(&mut self) {
        self.extended = true;
        let out = &mut self.out;
        out.put_slice(&[b'E', 0, 0, 0, 9, 0, 0, 0, 0, 0, b'S', 0, 0, 0, 4]);
    }

    /// Throws away what was written after `mark` (a request that could not
    /// be completed), keeping what was queued before it.
    pub(crate) fn discard_from(&mut self, mark: usize) {
        self.out.truncate(mark);
    }

    /// Ends the session politely (`Terminate`).
    pub(crate) fn terminate(&mut self) {
        if !self.broken {
            postgres_protocol::message::frontend::terminate(&mut self.out);
            let _ = self.send();
        }
    }
}

fn too_many_parameters() -> WireError {
    WireError::Encode("more than 32,767 parameters in one statement".into())
}

fn put_cstr(out: &mut BytesMut, s: &str) -> WireResult<()> {
    if s.as_bytes().contains(&0) {
        return Err(WireError::Encode(
            "SQL text containing the character NUL (\\0)".into(),
        ));
    }
    out.put_slice(s.as_bytes());
    out.put_u8(0);
    Ok(())
}

/// Writes the length of the message whose length field is at `at`.
fn finish(out: &mut BytesMut, at: usize) -> WireResult<()> {
    let len = i32::try_from(out.len() - at)
        .map_err(|_| WireError::Encode("a message larger than 2 GiB".into()))?;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// The number at the end of a `CommandComplete` tag (`INSERT 0 5`,
/// `UPDATE 3`, `DELETE 2`, `SELECT 4`); 0 for a tag without one.
pub(crate) fn rows_affected(body: &[u8]) -> u64 {
    let tag = body.strip_suffix(&[0]).unwrap_or(body);
    let last = tag.rsplit(|&b| b == b' ').next().unwrap_or(&[]);
    std::str::from_utf8(last)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The columns of a `RowDescription`: name and type OID of each.
pub(crate) fn row_description(body: &[u8]) -> WireResult<Vec<(String, u32)>> {
    let short = || protocol("short RowDescription");
    let n = u16::from_be_bytes(
        body.get(..2)
            .ok_or_else(short)?
            .try_into()
            .map_err(|_| short())?,
    );
    let mut columns = Vec::with_capacity(usize::from(n));
    let mut rest = &body[2..];
    for _ in 0..n {
        let end = rest.iter().position(|&b| b == 0).ok_or_else(short)?;
        let name = String::from_utf8_lossy(&rest[..end]).into_owned();
        // table oid (4), column number (2), type oid (4), size (2),
        // modifier (4), format (2)
        let fixed = rest.get(end + 1..end + 19).ok_or_else(short)?;
        let oid = u32::from_be_bytes([fixed[6], fixed[7], fixed[8], fixed[9]]);
        columns.push((name, oid));
        rest = &rest[end + 19..];
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_tags_give_the_rows_affected() {
        assert_eq!(rows_affected(b"INSERT 0 5\0"), 5);
        assert_eq!(rows_affected(b"UPDATE 3\0"), 3);
        assert_eq!(rows_affected(b"DELETE 0\0"), 0);
        assert_eq!(rows_affected(b"SELECT 12\0"), 12);
        assert_eq!(rows_affected(b"CREATE TABLE\0"), 0);
        assert_eq!(rows_affected(b""), 0);
    }

    #[test]
    fn error_fields_are_read_whatever_their_order() {
        let body = b"SERROR\0VERROR\0C23505\0Mduplicate key\0Dkey (x)=(1)\0nt_x_key\0ct\0\0";
        let e = DbError::parse(body);
        assert_eq!(e.code(), "23505");
        assert_eq!(e.severity(), "ERROR");
        assert_eq!(e.constraint(), Some("t_x_key"));
        assert_eq!(
            e.to_string(),
            "ERROR: duplicate key (SQLSTATE 23505)\n  DETAIL: key (x)=(1)"
        );
        // A truncated body does not panic.
        let e = DbError::parse(b"C2350");
        assert_eq!(e.code(), "2350");
    }
}
