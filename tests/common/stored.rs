//! What a test hub's database holds, read past the API on either engine:
//! for the checks that something is NOT stored (a raw token, a clerk's
//! note).

use super::TestHub;

impl TestHub {
    /// The one text column `sql` selects, every row, from this hub's
    /// database (`hub.db`, or its PostgreSQL database).
    pub async fn stored_texts(&self, sql: &str) -> Vec<String> {
        match &self.pg {
            Some((_, url)) => {
                let c = outlet_desk::hub::pg::connect(url).await.expect("connect");
                let rows = c.query(sql, &[]).await.expect(sql);
                rows.iter().map(|r| r.get(0)).collect()
            }
            None => {
                let db = rusqlite::Connection::open(self.dir.path().join("hub.db")).expect("open");
                let mut st = db.prepare(sql).expect(sql);
                st.query_map([], |r| r.get(0))
                    .and_then(|rows| rows.collect())
                    .expect(sql)
            }
        }
    }
}
