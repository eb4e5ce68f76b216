//! A fingerprint of the database's contents: for every table, a digest of all its rows in a fixed
//! order, read on a connection of its own (not through the application). Two fingerprints are equal
//! exactly when no row was added, removed or changed, apart from the tables in [`EXCLUDED`].
//!
//! Reading every row after each of 10,000 requests would take most of the test's time, so triggers
//! count the statements that write to each table, and to any (in sequences on Postgres: they count
//! even writes that were rolled back, and take no lock). While the count of any write stands still,
//! the last fingerprint still holds; when it moves, the tables whose own count moved are read again.

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
    /// Per table: the statement that answers (its name, its rows as text or their digest).
    dumps_of: BTreeMap<String, String>,
    /// The statement that answers (table, write count) for every table.
    counts: String,
    /// The statement that answers the count of writes to any table.
    any: String,
    pub tables: Vec<String>,
    /// The write counts (of any table, of each) when `last` was read, and the fingerprint then.
    last: Option<(i64, BTreeMap<String, i64>, Fingerprint)>,
    /// How many times a table's rows were read.
    pub dumps: u32,
}

/// What the write counters are named after; they are not part of the fingerprint.
const WRITES: &str = "fuzz_writes";

impl Dumper {
    /// Connects to the application's database, installs the write counters and prepares the
    /// statements over its current tables.
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
                "CREATE SEQUENCE {WRITES}_any; CREATE FUNCTION {WRITES}() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN PERFORM nextval(TG_ARGV[0]); PERFORM nextval('{WRITES}_any'); RETURN NULL; END $$;"
            );
            let mut counts = Vec::new();
            let mut dumps_of = BTreeMap::new();
            for (i, t) in tables.iter().enumerate() {
                script += &format!(
                    "CREATE SEQUENCE {WRITES}_{i}; CREATE TRIGGER {WRITES} AFTER INSERT OR UPDATE OR DELETE OR \
                     TRUNCATE ON \"{t}\" FOR EACH STATEMENT EXECUTE FUNCTION {WRITES}('{WRITES}_{i}');"
                );
                counts.push(format!(
                    "SELECT '{t}' AS name, last_value + CASE WHEN is_called THEN 1 ELSE 0 END AS n FROM {WRITES}_{i}"
                ));
                // The row's text form covers every column; the digest is made in the database, so a
                // table costs one round trip however large it grows.
                dumps_of.insert(
                    t.clone(),
                    format!(
                        "SELECT '{t}' AS name, md5(coalesce(string_agg(r.x, E'\\n' ORDER BY r.x), '')) AS rows \
                         FROM (SELECT t::text AS x FROM \"{t}\" t) r"
                    ),
                );
            }
            sqlx::raw_sql(&script).execute(&mut conn).await.expect("the write counters");
            let counts = counts.join(" UNION ALL ");
            let any = format!("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM {WRITES}_any");
            Dumper { link: Link::Postgres(conn), dumps_of, counts, any, tables, last: None, dumps: 0 }
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
            let mut script = format!("CREATE TABLE {WRITES} (name TEXT PRIMARY KEY, n INTEGER NOT NULL);");
            let mut dumps_of = BTreeMap::new();
            for t in &tables {
                script += &format!("INSERT INTO {WRITES} VALUES ('{t}', 0);");
                for op in ["INSERT", "UPDATE", "DELETE"] {
                    script += &format!(
                        "CREATE TRIGGER {WRITES}_{t}_{op} AFTER {op} ON \"{t}\" \
                         BEGIN UPDATE {WRITES} SET n = n + 1 WHERE name = '{t}'; END;"
                    );
                }
                let columns: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
                    .fetch_all(&mut conn)
                    .await
                    .expect("the columns");
                let row = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || ',' || ");
                dumps_of.insert(
                    t.clone(),
                    format!(
                        "SELECT '{t}' AS name, coalesce((SELECT group_concat(x, char(10)) FROM \
                         (SELECT {row} AS x FROM \"{t}\" ORDER BY 1)), '') AS rows"
                    ),
                );
            }
            sqlx::raw_sql(&script).execute(&mut conn).await.expect("the write counters");
            let counts = format!("SELECT name, n FROM {WRITES}");
            let any = format!("SELECT sum(n) FROM {WRITES}");
            Dumper { link: Link::Sqlite(conn), dumps_of, counts, any, tables, last: None, dumps: 0 }
        }
    }

    /// The database's fingerprint now: the tables written to since the last one are read again.
    pub async fn fingerprint(&mut self) -> Fingerprint {
        let any: i64 = match &mut self.link {
            Link::Sqlite(conn) => sqlx::query_scalar(&self.any).fetch_one(conn).await,
            Link::Postgres(conn) => sqlx::query_scalar(&self.any).fetch_one(conn).await,
        }
        .unwrap_or_else(|err| panic!("the write count could not be read: {err}"));
        if let Some((seen, _, fingerprint)) = &self.last
            && *seen == any
        {
            return fingerprint.clone();
        }
        let counts: Vec<(String, i64)> = match &mut self.link {
            Link::Sqlite(conn) => sqlx::query_as(&self.counts).fetch_all(conn).await,
            Link::Postgres(conn) => sqlx::query_as(&self.counts).fetch_all(conn).await,
        }
        .unwrap_or_else(|err| panic!("the write counts could not be read: {err}"));
        let counts: BTreeMap<String, i64> = counts.into_iter().collect();
        let (mut digests, stale): (BTreeMap<String, String>, Vec<&String>) = match &self.last {
            Some((_, seen, fingerprint)) => {
                (fingerprint.0.clone(), self.tables.iter().filter(|t| seen.get(*t) != counts.get(*t)).collect())
            }
            None => (BTreeMap::new(), self.tables.iter().collect()),
        };
        if !stale.is_empty() {
            let query = stale.iter().map(|t| self.dumps_of[*t].as_str()).collect::<Vec<_>>().join(" UNION ALL ");
            let rows: Vec<(String, String)> = match &mut self.link {
                Link::Sqlite(conn) => sqlx::query_as(&query).fetch_all(conn).await,
                Link::Postgres(conn) => sqlx::query_as(&query).fetch_all(conn).await,
            }
            .unwrap_or_else(|err| panic!("the database dump failed: {err}"));
            self.dumps += stale.len() as u32;
            for (name, text) in rows {
                digests.insert(name, hex::encode(&Sha256::digest(text.as_bytes())[..8]));
            }
        }
        let fingerprint = Fingerprint(digests);
        self.last = Some((any, counts, fingerprint.clone()));
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
    let tables: Vec<String> =
        tables.into_iter().filter(|t| !EXCLUDED.iter().any(|(excluded, _)| excluded == t)).collect();
    assert!(tables.len() > 5, "the database has its tables: {tables:?}");
    tables
}
