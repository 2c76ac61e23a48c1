use dunder::prelude::*;

pub struct Plain {
    pub id: i64,
}

fn main() {
    let _q = query!(Plain.filter(id = 1));
}
