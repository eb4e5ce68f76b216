//! A fingerprint of the database's contents: for every table, a digest of all its rows in a fixed
//! order, read on a connection of its own (not through the application). Two fingerprints are equal
//! exactly when no row was added, removed or changed, apart from the tables in [`EXCLUDED`].
//!
//! Reading every row after each of 10,000 requests would take most of the test's time, so triggers
//! count the statements that write to the compared tables (a sequence on Postgres: it counts even
//! writes that were rolled back, and takes no lock): while the count stands still, nothing was
//! written and the last fingerprint still holds; when it moves, the rows are read again.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, SqliteConnection};

/// Tables that a refused request may change by design, each with the reason.
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "tower_sessions",
        "a request with a session cookie extends that session's expiry whatever it answers (sliding idle \
         timeout), and a refused sign-in from a signed-in browser ends its session",
    ),
    ("login_failures", "refused sign-ins are counted there: that is the sign-in limit at work"),
];

/// Each table's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(BTreeMap<String, String>);

impl Fingerprint {
    /// The tables whose digest differs between the two.
    pub fn changed_tables(&self, other: &Fingerprint) -> Vec<String> {
        let names: std::collections::BTreeSet<&String> = self.0.keys().chain(other.0.keys()).collect();
        names.into_iter().filter(|name| self.0.get(*name) != other.0.get(*name)).cloned().collect()
    }

    /// One digest of the whole database (for the report).
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (table, digest) in &self.0 {
            hasher.update(table.as_bytes());
            hasher.update(b"=");
            hasher.update(digest.as_bytes());
            hasher.update(b"\n");
        }
        hex::encode(&hasher.finalize()[..8])
    }
}

enum Link {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Reads fingerprints of one database.
pub struct Dumper {
    link: Link,
    /// One statement that answers (table, its rows as text or their digest) for every table.
    query: String,
    pub tables: Vec<String>,
    /// The write count when `last` was read, and the fingerprint then.
    last: Option<(i64, Fingerprint)>,
    /// How many times the rows were read.
    pub dumps: u32,
}

/// The table (SQLite) or sequence (Postgres) the triggers count writes in; not part of the fingerprint.
const WRITES: &str = "fuzz_writes";

impl Dumper {
    /// Connects to the application's database and prepares the statement over its current tables.
    pub async fn connect(url: &str, backend: &str) -> Dumper {
        if backend == "postgres" {
            let mut conn = PgConnection::connect(url).await.expect("a direct Postgres connection");
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
                    .fetch_all(&mut conn)
                    .await
                    .expect("the tables");
            let tables = included(tables);
            let mut script = format!(
                "CREATE SEQUENCE {WRITES}; CREATE FUNCTION {WRITES}_count() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN PERFORM nextval('{WRITES}'); RETURN NULL; END $$;"
            );
            for t in &tables {
                script += &format!(
                    "CREATE TRIGGER {WRITES}_count AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \"{t}\" \
                     FOR EACH STATEMENT EXECUTE FUNCTION {WRITES}_count();"
                );
            }
            sqlx::raw_sql(&script).execute(&mut conn).await.expect("the write-counting triggers");
            // The row's text form covers every column; the digest is made in the database, so a
            // fingerprint costs one round trip however large the tables grow.
            let query = tables
                .iter()
                .map(|t| {
                    format!(
                        "SELECT '{t}' AS name, md5(coalesce(string_agg(r.x, E'\\n' ORDER BY r.x), '')) AS rows \
                         FROM (SELECT t::text AS x FROM \"{t}\" t) r"
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            Dumper { link: Link::Postgres(conn), query, tables, last: None, dumps: 0 }
        } else {
            let mut conn = SqliteConnection::connect(url).await.expect("a direct SQLite connection");
            sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut conn).await.expect("busy timeout set");
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
            )
            .fetch_all(&mut conn)
            .await
            .expect("the tables");
            let tables = included(tables);
            let mut script = format!("CREATE TABLE {WRITES} (n INTEGER NOT NULL); INSERT INTO {WRITES} VALUES (0);");
            for t in &tables {
                for op in ["INSERT", "UPDATE", "DELETE"] {
                    script += &format!(
                        "CREATE TRIGGER {WRITES}_{t}_{op} AFTER {op} ON \"{t}\" \
                         BEGIN UPDATE {WRITES} SET n = n + 1; END;"
                    );
                }
            }
            sqlx::raw_sql(&script).execute(&mut conn).await.expect("the write-counting triggers");
            let mut selects = Vec::new();
            for t in &tables {
                let columns: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
                    .fetch_all(&mut conn)
                    .await
                    .expect("the columns");
                let row = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || ',' || ");
                selects.push(format!(
                    "SELECT '{t}' AS name, coalesce((SELECT group_concat(x, char(10)) FROM \
                     (SELECT {row} AS x FROM \"{t}\" ORDER BY 1)), '') AS rows"
                ));
            }
            Dumper { link: Link::Sqlite(conn), query: selects.join(" UNION ALL "), tables, last: None, dumps: 0 }
        }
    }

    /// The database's fingerprint now (read again only if something was written since the last).
    pub async fn fingerprint(&mut self) -> Fingerprint {
        let writes: i64 = match &mut self.link {
            Link::Sqlite(conn) => sqlx::query_scalar(&format!("SELECT n FROM {WRITES}")).fetch_one(conn).await,
            Link::Postgres(conn) => {
                sqlx::query_scalar(&format!("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM {WRITES}"))
                    .fetch_one(conn)
                    .await
            }
        }
        .unwrap_or_else(|err| panic!("the write count could not be read: {err}"));
        if let Some((seen, fingerprint)) = &self.last
            && *seen == writes
        {
            return fingerprint.clone();
        }
        let rows: Vec<(String, String)> = match &mut self.link {
            Link::Sqlite(conn) => sqlx::query_as(&self.query).fetch_all(conn).await,
            Link::Postgres(conn) => sqlx::query_as(&self.query).fetch_all(conn).await,
        }
        .unwrap_or_else(|err| panic!("the database dump failed: {err}"));
        self.dumps += 1;
        let fingerprint = Fingerprint(
            rows.into_iter().map(|(name, text)| (name, hex::encode(&Sha256::digest(text.as_bytes())[..8]))).collect(),
        );
        self.last = Some((writes, fingerprint.clone()));
        fingerprint
    }

    /// Closes the connection.
    pub async fn close(self) {
        match self.link {
            Link::Sqlite(conn) => {
                let _ = conn.close().await;
            }
            Link::Postgres(conn) => {
                let _ = conn.close().await;
            }
        }
    }
}

/// The tables the fingerprint covers.
fn included(tables: Vec<String>) -> Vec<String> {
    let tables: Vec<String> = tables.into_iter().filter(|t| !EXCLUDED.iter().any(|(excluded, _)| excluded == t)).collect();
    assert!(tables.len() > 5, "the database has its tables: {tables:?}");
    tables
}
