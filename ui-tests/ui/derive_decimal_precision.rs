use dunder::{Decimal, Model};

// A Decimal needs both max_digits and decimal_places, as Django's
// DecimalField does, within rust_decimal's 28 digits; no other field
// takes them.
#[derive(Model)]
pub struct Invoice {
    pub id: i64,
    pub total: Decimal,
    #[dunder(max_digits = 8)]
    pub tax: Option<Decimal>,
    #[dunder(decimal_places = 2)]
    pub discount: Decimal,
    #[dunder(max_digits = 40, decimal_places = 2)]
    pub huge: Decimal,
    #[dunder(max_digits = 0, decimal_places = 0)]
    pub nothing: Decimal,
    #[dunder(max_digits = 4, decimal_places = 6)]
    pub tiny: Decimal,
    #[dunder(max_digits = 8, decimal_places = 2)]
    pub count: i32,
    #[dunder(max_digits = -1, decimal_places = 2)]
    pub negative: Decimal,
}

fn main() {}
