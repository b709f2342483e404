//! The two dialects are one schema: both migration folders are applied to real databases and
//! compared table by table — columns, types (mapped across dialects), nullability, indexes,
//! unique constraints, foreign keys and CHECK constraints. A migration written for one dialect
//! and forgotten, or written differently, in the other fails here.

use langnghe_app::db::Db;
use langnghe_tests::{fresh_database_url, temp_data_dir, Backend};
use std::collections::{BTreeMap, BTreeSet};

/// One dialect's schema, in comparable terms.
#[derive(Debug, Default, PartialEq)]
struct Schema {
    /// table → column → (type, not null)
    columns: BTreeMap<String, BTreeMap<String, (String, bool)>>,
    /// (table, columns in order, unique, partial)
    indexes: BTreeSet<(String, Vec<String>, bool, bool)>,
    /// (table, column, referenced table, referenced column)
    foreign_keys: BTreeSet<(String, String, String, String)>,
    /// table → number of CHECK constraints
    checks: BTreeMap<String, usize>,
}

/// A declared type, as both dialects mean it.
fn mapped(t: &str) -> String {
    let t = t.to_ascii_lowercase();
    let base = t.split('(').next().unwrap_or("").trim().to_string();
    match base.as_str() {
        "integer" | "bigint" | "int" | "smallint" | "int4" | "int8" | "bigserial" | "serial" => {
            "integer"
        }
        "text" | "character varying" | "varchar" => "text",
        "boolean" | "bool" => "boolean",
        "timestamp"
        | "timestamptz"
        | "timestamp with time zone"
        | "timestamp without time zone" => "timestamp",
        "date" => "date",
        "blob" | "bytea" => "bytes",
        "real" | "double precision" | "double" | "float" => "float",
        "json" | "jsonb" => "json",
        other => other,
    }
    .to_string()
}

async fn sqlite_schema(db: &Db) -> Schema {
    let Db::Sqlite(pool) = db else { unreachable!() };
    let mut s = Schema::default();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (t, sql) in tables {
        let cols: Vec<(i64, String, String, i64, Option<String>, i64)> =
            sqlx::query_as(&format!("PRAGMA table_info(\"{t}\")"))
                .fetch_all(pool)
                .await
                .unwrap();
        let m = s.columns.entry(t.clone()).or_default();
        for (_, name, ty, notnull, _, pk) in cols {
            // INTEGER PRIMARY KEY is the row id: never null, whatever the pragma says.
            m.insert(name, (mapped(&ty), notnull == 1 || pk > 0));
        }
        let idx: Vec<(i64, String, i64, String, i64)> =
            sqlx::query_as(&format!("PRAGMA index_list(\"{t}\")"))
                .fetch_all(pool)
                .await
                .unwrap();
        for (_, name, unique, origin, partial) in idx {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<(i64, i64, Option<String>)> =
                sqlx::query_as(&format!("PRAGMA index_info(\"{name}\")"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            let cols = cols
                .into_iter()
                .map(|c| c.2.unwrap_or_else(|| "<expr>".into()))
                .collect();
            s.indexes
                .insert((t.clone(), cols, unique == 1, partial == 1));
        }
        let fks: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{t}')"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        for (_, _, to_table, from, to) in fks {
            s.foreign_keys
                .insert((t.clone(), from, to_table, to.unwrap_or_else(|| "id".into())));
        }
        let n = sql.to_ascii_uppercase().matches("CHECK (").count()
            + sql.to_ascii_uppercase().matches("CHECK(").count();
        if n > 0 {
            s.checks.insert(t, n);
        }
    }
    s
}

async fn postgres_schema(db: &Db) -> Schema {
    let Db::Postgres(pool) = db else {
        unreachable!()
    };
    let mut s = Schema::default();
    let cols: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
           FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'
          ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (t, c, ty, nullable) in cols {
        s.columns
            .entry(t)
            .or_default()
            .insert(c, (mapped(&ty), nullable == "NO"));
    }
    let idx: Vec<(String, Vec<String>, bool, bool)> = sqlx::query_as(
        "SELECT t.relname::text,
                ARRAY(SELECT COALESCE(a.attname::text, '<expr>')
                        FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                       ORDER BY k.ord),
                i.indisunique, i.indpred IS NOT NULL
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE n.nspname = 'public' AND NOT i.indisprimary AND t.relname NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    s.indexes = idx.into_iter().collect();
    let fks: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, af.attname::text
           FROM pg_constraint c
           JOIN pg_namespace n ON n.oid = c.connamespace
           JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, fcol) ON TRUE
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
           JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.fcol
          WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    s.foreign_keys = fks.into_iter().collect();
    let checks: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, COUNT(*) FROM pg_constraint c
           JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE c.contype = 'c' AND n.nspname = 'public' GROUP BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    s.checks = checks.into_iter().map(|(t, n)| (t, n as usize)).collect();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_folders_give_the_same_schema() {
    let dir = temp_data_dir();
    let lite_url = fresh_database_url(Backend::Sqlite, &dir).await.unwrap();
    let Some(pg_url) = fresh_database_url(Backend::Postgres, &dir).await else {
        return; // skipped loudly by fresh_database_url (fails under CI=true)
    };
    let lite = Db::connect(&lite_url).await.unwrap();
    lite.migrate().await.unwrap();
    let pg = Db::connect(&pg_url).await.unwrap();
    pg.migrate().await.unwrap();
    let a = sqlite_schema(&lite).await;
    let b = postgres_schema(&pg).await;
    // What is compared is really there.
    assert!(a.columns.len() >= 25, "tables: {:?}", a.columns.keys());
    assert!(a.indexes.len() >= 20 && a.foreign_keys.len() >= 20 && !a.checks.is_empty());
    assert!(a.indexes.iter().any(|i| i.3), "partial indexes seen");
    // The same migration file names in both folders.
    let names = |d: &str| -> BTreeSet<String> {
        std::fs::read_dir(format!("{}/../migrations/{d}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names("sqlite"), names("postgres"), "migration file names");
    let tables = |s: &Schema| s.columns.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(tables(&a), tables(&b), "tables");
    let mut problems = Vec::new();
    for (t, cols) in &a.columns {
        let other = &b.columns[t];
        for (c, def) in cols {
            match other.get(c) {
                None => problems.push(format!("{t}.{c}: only in SQLite")),
                Some(d) if d != def => {
                    problems.push(format!("{t}.{c}: SQLite {def:?}, PostgreSQL {d:?}"))
                }
                _ => {}
            }
        }
        for c in other.keys().filter(|c| !cols.contains_key(*c)) {
            problems.push(format!("{t}.{c}: only in PostgreSQL"));
        }
    }
    for i in a.indexes.symmetric_difference(&b.indexes) {
        let side = if a.indexes.contains(i) {
            "SQLite"
        } else {
            "PostgreSQL"
        };
        problems.push(format!("index {i:?} only in {side}"));
    }
    for k in a.foreign_keys.symmetric_difference(&b.foreign_keys) {
        let side = if a.foreign_keys.contains(k) {
            "SQLite"
        } else {
            "PostgreSQL"
        };
        problems.push(format!("foreign key {k:?} only in {side}"));
    }
    if a.checks != b.checks {
        problems.push(format!(
            "CHECK constraints per table: SQLite {:?}, PostgreSQL {:?}",
            a.checks, b.checks
        ));
    }
    assert!(
        problems.is_empty(),
        "the dialects differ:\n{}",
        problems.join("\n")
    );
    // The comparison can fail: a column only one side has is found.
    let mut c = sqlite_schema(&lite).await;
    c.columns
        .get_mut("ratings")
        .unwrap()
        .insert("extra".into(), ("text".into(), false));
    assert_ne!(c.columns, b.columns);
    lite.close().await;
    pg.close().await;
    // The throw-away database goes (another run's leftovers are swept by the harness).
    langnghe_tests::drop_fresh_database(&pg_url, &dir).await;
}

/// A PostgreSQL test runs again only when the server ended its connection from outside
/// (SQLSTATE 57P01); every other failure stands.
#[test]
fn only_a_connection_ended_by_the_server_runs_a_test_again() {
    use langnghe_tests::terminated_by_the_server;
    let ended = String::from(
        r#"called `Result::unwrap()` on an `Err` value: Sqlx(Database(PgDatabaseError { severity: Fatal, code: "57P01", message: "terminating connection due to administrator command" }))"#,
    );
    assert!(terminated_by_the_server(&ended));
    assert!(!terminated_by_the_server(
        &"assertion `left == right` failed"
    ));
    assert!(!terminated_by_the_server(&String::from(
        r#"PgDatabaseError { code: "23505", message: "duplicate key value" }"#
    )));
    assert!(!terminated_by_the_server(&42_i32));
}
