use dunder::{ManyToMany, Model, Reverse};

#[derive(Model)]
pub struct Label {
    pub id: i64,
    #[dunder(related = labels)]
    pub notes: Reverse<crate::Note>,
}

#[derive(Model)]
pub struct Note {
    pub id: i64,
    pub labels: ManyToMany<crate::Label>,
}

fn write(conn: &rusqlite::Connection, note: &Note, other: &Note) -> dunder::Result<u64> {
    // A label is named by a Label, its i64 key or a ForeignKey<Label>: not by a note.
    note.labels().add(conn, [other])
}

fn main() {}
