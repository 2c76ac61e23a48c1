use dunder::Model;

#[derive(Model)]
pub struct Marker;

fn main() {}
