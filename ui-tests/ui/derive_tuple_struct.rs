use dunder::Model;

#[derive(Model)]
pub struct Point(i64, i64);

fn main() {}
