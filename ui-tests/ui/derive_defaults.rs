use dunder::Model;

#[derive(Model)]
pub struct Note {
    pub id: i64,
    #[dunder(auto_now_add)]
    pub title: String,
    #[dunder(default = chrono::Utc::now(), auto_now)]
    pub created: chrono::DateTime<chrono::Utc>,
}

#[derive(Model)]
pub struct Typed {
    pub id: i64,
    #[dunder(default = "three")]
    pub priority: i32,
}

fn main() {}
