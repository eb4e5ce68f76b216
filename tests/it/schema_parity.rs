//! The SQLite and Postgres migrations describe the same schema: the store writes each query once for
//! both, so a column, a key or an index that one backend has and the other lacks is a bug waiting for
//! the backend nobody tried.
//!
//! Both backends' migrations are applied to fresh databases, each schema is read back from the
//! database's own catalogue, and the two are compared table by table: column names, nullability and
//! type family, primary key, unique constraints, and explicitly created indexes (name, columns,
//! uniqueness, partial or not).

use std::collections::{BTreeMap, BTreeSet};

use rook_notify::store::{NativePool, Store};
use sqlx::Row;

use crate::support::TestDatabase;

/// One table as both backends can describe it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// Column name → (type family, nullable).
    columns: BTreeMap<String, (&'static str, bool)>,
    primary_key: Vec<String>,
    /// The column lists of `UNIQUE` constraints (their index names are generated, and differ).
    unique: BTreeSet<Vec<String>>,
    /// Index name → (columns, unique, partial).
    indexes: BTreeMap<String, (Vec<String>, bool, bool)>,
}

type Schema = BTreeMap<String, Table>;

/// Columns whose types differ on purpose: (table, column, the SQLite family, the Postgres family).
/// `tower_sessions` has the layouts the tower-sessions stores of each backend expect, and the SQLite
/// store keeps its expiry as integer seconds while the Postgres one keeps a `timestamptz`.
const DIFFERENT_ON_PURPOSE: &[(&str, &str, &str, &str)] = &[("tower_sessions", "expiry_date", "integer", "timestamp")];

/// The family of a declared (SQLite) or catalogued (Postgres) type. SQLite's `INTEGER` is 64 bits, so
/// its twin is `BIGINT`; a Postgres `integer` (32 bits) is a different family, as it can overflow
/// where SQLite does not. Booleans are stored as integers on both (the store's storage model).
fn family(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "text" | "character varying" | "varchar" => "text",
        "integer" | "int" | "bigint" | "int8" => "integer",
        "smallint" | "int4" | "int2" => "int32",
        "blob" | "bytea" => "bytes",
        "real" | "double precision" | "float8" => "real",
        "boolean" => "boolean",
        "timestamp with time zone" | "timestamptz" => "timestamp",
        other => panic!("a column type the schema comparison does not know: {other}"),
    }
}

/// Postgres reports its 32-bit `integer` by that name; SQLite's `INTEGER` is the 64-bit family.
fn postgres_family(data_type: &str) -> &'static str {
    if data_type == "integer" { "int32" } else { family(data_type) }
}

/// What an index column that is an expression (`lower(name)`) is compared as: each backend prints
/// expressions its own way (Postgres adds casts), so only the position of the expression is compared.
const EXPRESSION: &str = "(expression)";

async fn migrated(db: &TestDatabase) -> Store {
    let store = Store::connect(&db.url, crate::support::test_cipher()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

/// Tables of the application, not of the migration tool or of SQLite itself.
fn is_application_table(name: &str) -> bool {
    !name.starts_with("sqlite_") && !name.starts_with("_sqlx")
}

/// The rows a SQLite pragma function answers about one table or index.
async fn pragma(pool: &sqlx::SqlitePool, sql: &str, about: &str) -> Vec<sqlx::sqlite::SqliteRow> {
    sqlx::query(sql).bind(about).fetch_all(pool).await.unwrap()
}

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> Schema {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(pool).await.unwrap();
    let mut schema = Schema::new();
    for name in names.into_iter().filter(|n| is_application_table(n)) {
        let mut table = Table::default();
        let mut key = Vec::new();
        for row in pragma(pool, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)", &name).await {
            let column: String = row.get("name");
            let pk: i64 = row.get("pk");
            // SQLite lets a primary key that is not an INTEGER PRIMARY KEY hold NULL unless it says NOT
            // NULL (a compatibility quirk); the store never writes one, and Postgres' keys are never
            // null, so a key column counts as not null.
            let nullable = row.get::<i64, _>("notnull") == 0 && pk == 0;
            table.columns.insert(column.clone(), (family(&row.get::<String, _>("type")), nullable));
            if pk > 0 {
                key.push((pk, column));
            }
        }
        key.sort();
        table.primary_key = key.into_iter().map(|(_, c)| c).collect();
        for row in pragma(pool, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)", &name).await {
            let index: String = row.get("name");
            let columns: Vec<String> =
                sqlx::query_scalar::<_, Option<String>>("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.unwrap_or_else(|| EXPRESSION.to_owned()))
                    .collect();
            match row.get::<String, _>("origin").as_str() {
                // The primary key's own index: the key was read with the columns.
                "pk" => {}
                "u" => {
                    table.unique.insert(columns);
                }
                _ => {
                    let unique = row.get::<i64, _>("unique") != 0;
                    let partial = row.get::<i64, _>("partial") != 0;
                    table.indexes.insert(index, (columns, unique, partial));
                }
            }
        }
        schema.insert(name, table);
    }
    schema
}

/// The catalogue rows (with a `table_name`) about the application's tables.
fn application_rows(rows: Vec<sqlx::postgres::PgRow>) -> impl Iterator<Item = sqlx::postgres::PgRow> {
    rows.into_iter().filter(|row| is_application_table(&row.get::<String, _>("table_name")))
}

async fn postgres_schema(pool: &sqlx::PgPool) -> Schema {
    let mut schema = Schema::new();
    let columns = "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                   is_nullable::text AS is_nullable, data_type::text AS data_type \
                   FROM information_schema.columns WHERE table_schema = current_schema()";
    for row in application_rows(sqlx::query(columns).fetch_all(pool).await.unwrap()) {
        let table: String = row.get("table_name");
        let nullable = row.get::<String, _>("is_nullable") == "YES";
        schema
            .entry(table)
            .or_default()
            .columns
            .insert(row.get("column_name"), (postgres_family(&row.get::<String, _>("data_type")), nullable));
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text AS table_name, ic.relname::text AS index_name, i.indisprimary AS is_primary, \
         i.indisunique AS is_unique, i.indpred IS NOT NULL AS partial, \
         EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype = 'u') AS constraint_, \
         ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0 THEN $1 ELSE pg_get_indexdef(i.indexrelid, k, true) END \
               FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS columns \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()",
    )
    .bind(EXPRESSION);
    for row in application_rows(indexes.fetch_all(pool).await.unwrap()) {
        let table = schema.entry(row.get("table_name")).or_default();
        let columns: Vec<String> =
            row.get::<Vec<String>, _>("columns").into_iter().map(|c| c.trim_matches('"').to_owned()).collect();
        if row.get("is_primary") {
            table.primary_key = columns;
        } else if row.get("constraint_") {
            table.unique.insert(columns);
        } else {
            table.indexes.insert(row.get("index_name"), (columns, row.get("is_unique"), row.get("partial")));
        }
    }
    schema
}

/// Applies the columns whose types differ on purpose, so that what is left must be equal.
fn forgive_known_differences(sqlite: &mut Schema, postgres: &mut Schema) {
    for (table, column, in_sqlite, in_postgres) in DIFFERENT_ON_PURPOSE {
        for (schema, expected) in [(&mut *sqlite, in_sqlite), (&mut *postgres, in_postgres)] {
            let entry = schema.get_mut(*table).and_then(|t| t.columns.get_mut(*column));
            let entry = entry.unwrap_or_else(|| panic!("{table}.{column} is listed as different on purpose"));
            assert_eq!(entry.0, *expected, "{table}.{column} is listed as different on purpose: update the list");
            entry.0 = "(different on purpose)";
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_and_postgres_migrations_describe_the_same_schema() {
    // Skips (loudly) without Postgres on a laptop; fails without it in CI.
    let Some(pg) = TestDatabase::postgres().await else { return };
    let lite = TestDatabase::sqlite().await;
    let (lite_store, pg_store) = (migrated(&lite).await, migrated(&pg).await);
    let NativePool::Sqlite(lite_pool) = lite_store.native() else { unreachable!("a SQLite database") };
    let NativePool::Postgres(pg_pool) = pg_store.native() else { unreachable!("a Postgres database") };
    let mut sqlite = sqlite_schema(lite_pool).await;
    let mut postgres = postgres_schema(pg_pool).await;
    // The readers see what there is to compare (a reader that found nothing would compare equal).
    for schema in [&sqlite, &postgres] {
        assert!(schema.len() >= 10, "every table was read: {schema:?}");
        assert_eq!(schema["accounts"].primary_key, ["id"], "primary keys were read");
        assert!(schema["accounts"].unique.contains(&vec!["email".to_owned()]), "unique constraints were read");
        let by_name = &schema["clients"].indexes["clients_by_name"];
        assert_eq!(by_name.0, [EXPRESSION], "expression indexes were read");
        assert!(schema["notifications"].indexes["notifications_due_by_endpoint"].2, "partial indexes were read");
        // Due work is found per endpoint (migration 0009): an index led by the due time would compete
        // for the claims' plans, and Postgres with statistics chose it, reading every endpoint's rows.
        for table in ["notifications", "data_deliveries"] {
            for (name, (columns, _, _)) in &schema[table].indexes {
                assert_ne!(columns.first().map(String::as_str), Some("next_attempt_at"), "{name}");
            }
        }
    }
    forgive_known_differences(&mut sqlite, &mut postgres);

    let tables = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables (left: SQLite, right: Postgres)");
    for (name, in_sqlite) in &sqlite {
        let in_postgres = &postgres[name];
        assert_eq!(in_sqlite.columns, in_postgres.columns, "the columns of {name} (left: SQLite, right: Postgres)");
        assert_eq!(
            in_sqlite.primary_key, in_postgres.primary_key,
            "the primary key of {name} (left: SQLite, right: Postgres)"
        );
        assert_eq!(
            in_sqlite.unique, in_postgres.unique,
            "the unique constraints of {name} (left: SQLite, right: Postgres)"
        );
        assert_eq!(in_sqlite.indexes, in_postgres.indexes, "the indexes of {name} (left: SQLite, right: Postgres)");
    }
    lite_store.close().await;
    pg_store.close().await;
}
