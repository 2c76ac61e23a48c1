//! sea-query + sea-query-postgres, as its README shows: build the statement,
//! `build_postgres(PostgresQueryBuilder)`, then `client.query(sql, &values.as_params())`
//! on a plain `postgres::Client` (which prepares the unnamed statement on
//! every call: one extra round trip; the postgres crate has no statement cache).
//! The insert is one multi-row `INSERT` built with `values_panic` per row.

use std::hint::black_box;

use sea_query::{ExprTrait, Iden, PostgresQueryBuilder, Query};
use sea_query_postgres::PostgresBinder;

use crate::harness::{Common, Peer, Scenario, Setup, LOOKUP_NAME, UPDATE_HAIR, UPDATE_ID};
use crate::postgres_peer::PUser;

#[derive(Iden)]
enum Users {
    Table,
    Id,
    Name,
    HairColor,
}

pub struct SeaPg {
    client: postgres::Client,
    rows: Vec<(String, Option<String>)>,
}

impl SeaPg {
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        let mut client = crate::postgres_peer::connect(s);
        if s.scenario == Scenario::Insert {
            client.batch_execute("TRUNCATE users").expect("truncate");
        }
        Box::new(SeaPg { client, rows: s.new_rows() })
    }

    fn select(&mut self, sc: Scenario) -> Vec<PUser> {
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
        let (sql, values) = q.build_postgres(PostgresQueryBuilder);
        let rows = self.client.query(sql.as_str(), &values.as_params()).expect("query");
        rows.iter()
            .map(|r| PUser { id: r.get(0), name: r.get(1), hair_color: r.get(2) })
            .collect()
    }

    fn insert(&mut self) -> usize {
        let mut q = Query::insert();
        q.into_table(Users::Table).columns([Users::Name, Users::HairColor]);
        for (name, hair) in &self.rows {
            q.values_panic([name.clone().into(), hair.clone().into()]);
        }
        let (sql, values) = q.build_postgres(PostgresQueryBuilder);
        self.client.execute(sql.as_str(), &values.as_params()).expect("insert") as usize
    }
}

impl Peer for SeaPg {
    fn run(&mut self, sc: Scenario) -> usize {
        match sc {
            Scenario::Insert => return self.insert(),
            Scenario::Update => {
                let (sql, values) = Query::update()
                    .table(Users::Table)
                    .values([(Users::HairColor, UPDATE_HAIR.into())])
                    .and_where(sea_query::Expr::col(Users::Id).eq(UPDATE_ID))
                    .build_postgres(PostgresQueryBuilder);
                return self.client.execute(sql.as_str(), &values.as_params()).expect("update") as usize;
            }
            Scenario::Delete => {
                let (sql, values) = Query::delete()
                    .from_table(Users::Table)
                    .and_where(sea_query::Expr::col(Users::Id).eq(crate::harness::next_id()))
                    .build_postgres(PostgresQueryBuilder);
                return self.client.execute(sql.as_str(), &values.as_params()).expect("delete") as usize;
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
        self.client.batch_execute(&crate::harness::clear_sql(true)).expect("truncate");
    }
}
