//! sea-query + sea-query-rusqlite: build the statement,
//! `build_rusqlite(SqliteQueryBuilder)`, then `prepare_cached` (the
//! README uses `prepare`; `prepare_cached` matches the baseline) and
//! `query_map(&*values.as_params(), ..)` with values by index. The insert is
//! one multi-row `INSERT` built with `values_panic` per row.

use std::hint::black_box;

use sea_query::{ExprTrait, Iden, Query, SqliteQueryBuilder};
use sea_query_rusqlite::RusqliteBinder;

use crate::harness::{Common, Peer, Scenario, Setup, LOOKUP_NAME, UPDATE_HAIR, UPDATE_ID};
use crate::rusqlite_peer::RUser;

#[derive(Iden)]
enum Users {
    Table,
    Id,
    Name,
    HairColor,
}

fn map(r: &rusqlite::Row<'_>) -> rusqlite::Result<RUser> {
    Ok(RUser { id: r.get(0)?, name: r.get(1)?, hair_color: r.get(2)? })
}

pub struct SeaSqlite {
    conn: rusqlite::Connection,
    rows: Vec<(String, Option<String>)>,
}

impl SeaSqlite {
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch(&s.sqlite_init_sql()).expect("init");
        Box::new(SeaSqlite { conn, rows: s.new_rows() })
    }

    fn select(&mut self, sc: Scenario) -> Vec<RUser> {
        let mut q = Query::select();
        q.columns([Users::Id, Users::Name, Users::HairColor]).from(Users::Table);
        match sc {
            Scenario::All | Scenario::Insert => {}
            Scenario::ByName | Scenario::Update | Scenario::Delete => {
                q.and_where(sea_query::Expr::col(Users::Name).eq(black_box(LOOKUP_NAME)));
            }
            Scenario::Null => {
                q.and_where(sea_query::Expr::col(Users::HairColor).is_null());
            }
        }
        let (sql, values) = q.build_rusqlite(SqliteQueryBuilder);
        let mut st = self.conn.prepare_cached(&sql).expect("prepare");
        let rows = st.query_map(&*values.as_params(), map).expect("query");
        rows.collect::<Result<Vec<_>, _>>().expect("rows")
    }

    fn insert(&mut self) -> usize {
        let mut q = Query::insert();
        q.into_table(Users::Table).columns([Users::Name, Users::HairColor]);
        for (name, hair) in &self.rows {
            q.values_panic([name.clone().into(), hair.clone().into()]);
        }
        let (sql, values) = q.build_rusqlite(SqliteQueryBuilder);
        let mut st = self.conn.prepare_cached(&sql).expect("prepare");
        st.execute(&*values.as_params()).expect("insert")
    }
}

impl Peer for SeaSqlite {
    fn run(&mut self, sc: Scenario) -> usize {
        match sc {
            Scenario::Insert => return self.insert(),
            Scenario::Update | Scenario::Delete => {
                let (sql, values) = if sc == Scenario::Update {
                    Query::update()
                        .table(Users::Table)
                        .values([(Users::HairColor, UPDATE_HAIR.into())])
                        .and_where(sea_query::Expr::col(Users::Id).eq(UPDATE_ID))
                        .build_rusqlite(SqliteQueryBuilder)
                } else {
                    Query::delete()
                        .from_table(Users::Table)
                        .and_where(sea_query::Expr::col(Users::Id).eq(crate::harness::next_id()))
                        .build_rusqlite(SqliteQueryBuilder)
                };
                let mut st = self.conn.prepare_cached(&sql).expect("prepare");
                return st.execute(&*values.as_params()).expect("write");
            }
            _ => {}
        }
        let v = self.select(sc);
        let n = v.len();
        black_box(v);
        n
    }

    fn fetch(&mut self, sc: Scenario) -> Vec<Common> {
        self.select(sc)
            .into_iter()
            .map(|u| (i64::from(u.id), u.name, u.hair_color))
            .collect()
    }

    fn clear(&mut self) {
        self.conn.execute_batch(&crate::harness::clear_sql(false)).expect("clear");
    }
}
