//! `rust_decimal::Decimal` fields: Django's `DecimalField(max_digits,
//! decimal_places)`.
//!
//! * PostgreSQL: a `numeric(p, s)` column, parameters bound as `numeric`
//!   and read back exactly. The server rounds a value with more places than
//!   the scale (half away from zero) and refuses one with too many digits
//!   before the point ("numeric field overflow", [`Error::OutOfRange`]).
//! * SQLite: a `decimal` column (NUMERIC affinity), as Django creates it:
//!   the value is stored as Django stores it (its text, which SQLite turns
//!   into an INTEGER when it is whole, `100.00` → `100`, and into a REAL
//!   otherwise, keeping 15 significant digits). dunder writes go through
//!   `dunder_decimal(value, max_digits, decimal_places)`, which rounds and
//!   checks the value exactly as PostgreSQL's `numeric(p, s)` does, so both
//!   backends store the same value or refuse it with the same error. A
//!   model's field is read back as Django's converter reads it: 15
//!   significant digits, quantized to the field's scale (`100` → `100.00`).

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, Result};

/// The first words of the overflow error (PostgreSQL's message).
pub(crate) const OVERFLOW: &str = "numeric field overflow";

/// A value with more digits before the point than a field holds.
#[derive(Debug)]
pub(crate) struct Overflow {
    digits: u32,
    places: u32,
}

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // PostgreSQL's message and detail, word for word.
        let before = self.digits - self.places;
        let limit = if before == 0 {
            "1".to_owned()
        } else {
            format!("10^{before}")
        };
        write!(
            f,
            "{OVERFLOW}: a field with precision {}, scale {} must round to an absolute value less than {limit}",
            self.digits, self.places
        )
    }
}

impl std::error::Error for Overflow {}

/// `10^n` (n ≤ 28) as a decimal.
fn pow10(n: u32) -> Decimal {
    Decimal::from_i128_with_scale(10i128.pow(n.min(28)), 0)
}

/// Whether `d` (rounded at `places`) fits `max_digits`: less than
/// `10^(max_digits - places)` in absolute value.
fn fits(d: Decimal, digits: u32, places: u32) -> bool {
    let before = digits.saturating_sub(places);
    before >= 29 || d.abs() < pow10(before)
}

/// A value as PostgreSQL stores it in a `numeric(digits, places)` column:
/// rounded half away from zero at `places`, with exactly `places` places,
/// no negative zero; or the overflow error.
pub(crate) fn store(d: Decimal, digits: u32, places: u32) -> Result<Decimal, Overflow> {
    let mut r = d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    if !fits(r, digits, places) {
        return Err(Overflow { digits, places });
    }
    r.rescale(places);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    Ok(r)
}

/// A double as Django reads a decimal SQLite returned as a REAL
/// (`Context(prec=15).create_decimal_from_float`: 15 significant digits,
/// rounded half to even, SQLite keeps no more), without trailing zeros.
/// `None` for an infinity, NaN or a value beyond `Decimal`'s range.
pub(crate) fn from_real(r: f64) -> Option<Decimal> {
    if !r.is_finite() {
        return None;
    }
    if r == 0.0 {
        return Some(Decimal::ZERO);
    }
    // `d.dddddddddddddde±x`: the exact binary value rounded to 15
    // significant digits (half to even).
    let s = format!("{:.14e}", r.abs());
    let (mantissa, exp) = s.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let mut m: i128 = mantissa.replace('.', "").parse().ok()?;
    // r = m × 10^(exp - 14)
    let mut scale = 14 - exp;
    if scale < 0 {
        m = m.checked_mul(10i128.checked_pow(u32::try_from(-scale).ok()?)?)?;
        scale = 0;
    }
    if scale > 28 {
        // Below Decimal's smallest step: round at 28 places (half to even).
        let drop = u32::try_from(scale - 28).ok()?;
        m = if drop > 20 {
            0
        } else {
            let p = 10i128.pow(drop);
            let (q, rem) = (m / p, m % p);
            if 2 * rem > p || (2 * rem == p && q % 2 == 1) {
                q + 1
            } else {
                q
            }
        };
        scale = 28;
    }
    if r < 0.0 {
        m = -m;
    }
    let d = Decimal::try_from_i128_with_scale(m, u32::try_from(scale).ok()?).ok()?;
    Some(d.normalize())
}

/// Decimal text (`-12.50`, `1E-10`).
pub(crate) fn parse(s: &str) -> Option<Decimal> {
    let s = s.trim();
    s.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(s).ok())
}

/// What an SQLite value holds as a decimal (`Err`: what it was instead).
#[cfg(feature = "sqlite")]
pub(crate) fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Result<Decimal, String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Integer(i) => Ok(Decimal::from(i)),
        ValueRef::Real(r) => {
            from_real(r).ok_or_else(|| format!("real {r} (out of range for Decimal)"))
        }
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(parse)
            .ok_or_else(|| crate::decode::describe(v)),
        other => Err(crate::decode::describe(other)),
    }
}

/// A decimal parameter as SQLite compares it: an INTEGER when it is whole
/// (and fits), else the nearest REAL. A NUMERIC column compares a number
/// with a number in every context (a text parameter is converted only
/// beside a column), and a write goes through `dunder_decimal`.
#[cfg(feature = "sqlite")]
pub(crate) fn to_sqlite(d: &Decimal) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    if d.fract().is_zero() {
        if let Ok(i) = i64::try_from(d.trunc()) {
            return Value::Integer(i);
        }
    }
    // Correctly rounded (Decimal's own `to_f64` may miss by an ulp).
    Value::Real(d.to_string().parse().unwrap_or(f64::NAN))
}

/// `dunder_decimal(value, max_digits, decimal_places)`: the text SQLite
/// stores for a decimal written to a field (NULL stays NULL).
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite_store(
    v: rusqlite::types::ValueRef<'_>,
    digits: i64,
    places: i64,
) -> rusqlite::Result<Option<String>> {
    use rusqlite::types::ValueRef;
    let user = |e: Box<dyn std::error::Error + Send + Sync>| rusqlite::Error::UserFunctionError(e);
    if matches!(v, ValueRef::Null) {
        return Ok(None);
    }
    let (Ok(digits), Ok(places)) = (u32::try_from(digits), u32::try_from(places)) else {
        return Err(user("dunder_decimal: bad precision".into()));
    };
    let d = from_sqlite(v).map_err(|found| user(format!("not a decimal: {found}").into()))?;
    // The text without trailing zeros, which NUMERIC affinity stores as
    // Django's text would be (`100.00` and `100` are the INTEGER 100), and
    // exactly when it is a whole number of at most 64 bits.
    store(d, digits, places)
        .map(|d| Some(d.normalize().to_string()))
        .map_err(|e| user(Box::new(e)))
}

/// A model's decimal field as Django's converter reads it: quantized to
/// the field's scale (half to even), an error when it does not fit
/// `max_digits` (Django's `InvalidOperation`). PostgreSQL's values are
/// already so; SQLite's `100` becomes `100.00`.
#[doc(hidden)]
pub trait Quantize: Sized {
    /// The value at `places`, checked against `digits`.
    fn quantize(self, digits: u32, places: u32, column: &'static str) -> Result<Self>;
}

impl Quantize for Decimal {
    fn quantize(self, digits: u32, places: u32, column: &'static str) -> Result<Self> {
        let mut r = self.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven);
        if !fits(r, digits, places) {
            return Err(Error::Decode {
                column,
                expected: "a decimal within its field's max_digits",
                found: format!("{self} (more than {digits} digits at scale {places})"),
                sql: String::new(),
            });
        }
        r.rescale(places);
        if r.is_zero() {
            r.set_sign_positive(true);
        }
        Ok(r)
    }
}

impl Quantize for Option<Decimal> {
    fn quantize(self, digits: u32, places: u32, column: &'static str) -> Result<Self> {
        self.map(|d| d.quantize(digits, places, column)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        parse(s).expect(s)
    }

    #[test]
    fn reals_read_as_django_reads_them() {
        assert_eq!(from_real(9.99), Some(d("9.99")));
        assert_eq!(from_real(0.1 + 0.2), Some(d("0.3")));
        assert_eq!(
            from_real(-1.005).map(|x| x.to_string()),
            Some("-1.005".into())
        );
        assert_eq!(from_real(1e-10), Some(d("0.0000000001")));
        assert_eq!(from_real(1e-40), Some(Decimal::ZERO));
        assert_eq!(from_real(-0.0).map(|x| x.is_sign_negative()), Some(false));
        assert_eq!(
            from_real(1.2345678901234567e19).map(|x| x.to_string()),
            Some("12345678901234600000".into())
        );
        assert_eq!(from_real(1e30), None);
        assert_eq!(from_real(f64::NAN), None);
    }

    #[test]
    fn store_rounds_and_checks_as_postgres() {
        let s = |v: &str| {
            store(d(v), 8, 2)
                .map(|x| x.to_string())
                .map_err(|e| e.to_string())
        };
        assert_eq!(s("1.005"), Ok("1.01".into()));
        assert_eq!(s("-1.005"), Ok("-1.01".into()));
        assert_eq!(s("1.025"), Ok("1.03".into()));
        assert_eq!(s("100"), Ok("100.00".into()));
        assert_eq!(s("-0.001"), Ok("0.00".into()));
        assert_eq!(s("999999.99"), Ok("999999.99".into()));
        assert_eq!(
            s("999999.995"),
            Err("numeric field overflow: a field with precision 8, scale 2 must round to an absolute value less than 10^6".into())
        );
        assert!(store(d("0.5"), 2, 2).is_ok());
        assert_eq!(
            store(d("1"), 2, 2).map_err(|e| e.to_string()).unwrap_err(),
            "numeric field overflow: a field with precision 2, scale 2 must round to an absolute value less than 1"
        );
    }

    #[test]
    fn quantize_is_djangos_converter() {
        let q = |v: &str| d(v).quantize(8, 2, "price").map(|x| x.to_string());
        assert_eq!(q("100").ok(), Some("100.00".into()));
        assert_eq!(q("1.005").ok(), Some("1.00".into()));
        assert_eq!(q("1.015").ok(), Some("1.02".into()));
        assert!(q("999999.995").is_err());
    }
}
