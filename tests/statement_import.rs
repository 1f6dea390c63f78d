//! Importing statement files into the database, on both backends: every format (camt.053
//! .001.02 and .001.08, MT940, both CSV profiles) stores each booking once, a second import of
//! the same file adds nothing, and a malformed file stores nothing — through the domain and
//! through `tollgate statements import`, which exits non-zero naming the line.

mod common;

use std::process::{Command, Stdio};

use sea_orm::{EntityTrait, PaginatorTrait};

use common::TestApp;
use tollgate::domain::reconcile::{self, Upload};
use tollgate::entities::{bank_statement, statement_line};
use tollgate::error::Error;

on_both_backends!(
    every_format_imports_once_and_again_adds_nothing,
    a_malformed_file_stores_nothing_and_names_its_line,
    the_command_prints_what_it_did_and_fails_on_a_bad_file,
);

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/statements")
        .join(name)
}

async fn import(app: &TestApp, name: &str, profile: Option<&str>) -> reconcile::Imported {
    try_import(app, name, profile)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

async fn try_import(
    app: &TestApp,
    name: &str,
    profile: Option<&str>,
) -> tollgate::error::Result<reconcile::Imported> {
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    let upload = Upload {
        file_name: name,
        bytes: &bytes,
        format: None,
        profile,
        extra_profiles: &[],
    };
    reconcile::import(&app.db, None, upload, &|_, _| {}).await
}

async fn stored(app: &TestApp) -> (u64, u64) {
    let statements = bank_statement::Entity::find().count(app.db.conn()).await;
    let lines = statement_line::Entity::find().count(app.db.conn()).await;
    (statements.unwrap(), lines.unwrap())
}

async fn every_format_imports_once_and_again_adds_nothing(app: TestApp) {
    let files = [
        ("camt053_v02.xml", None),
        ("camt053_v08.xml", None),
        ("mt940_de.sta", None),
        ("csv_generic.csv", Some("generic")),
        ("csv_de_win1252.csv", Some("de-soll-haben")),
    ];
    let mut total = 0;
    for (name, profile) in files {
        let first = import(&app, name, profile).await;
        assert!(first.read > 0, "{name}");
        assert_eq!((first.new, first.already), (first.read, 0), "{name}");
        assert!(first.statement_id.is_some(), "{name}");
        total += first.read as u64;
        let again = import(&app, name, profile).await;
        assert_eq!((again.new, again.already), (0, first.read), "{name} again");
        assert_eq!(again.statement_id, None, "nothing written for {name}");
    }
    assert_eq!(stored(&app).await, (files.len() as u64, total));
}

async fn a_malformed_file_stores_nothing_and_names_its_line(app: TestApp) {
    for (name, line) in [
        ("malformed/camt053_truncated.xml", "line 80"),
        ("malformed/camt053_wrong_currency.xml", "line 53"),
        ("malformed/mt940_duplicate_reference.sta", "line 24"),
        ("malformed/csv_generic_bad_amount.csv", "line 4"),
    ] {
        let profile = name.contains("csv").then_some("generic");
        match try_import(&app, name, profile).await {
            Err(Error::Invalid { fields, .. }) => {
                let said = fields["file"].join(" ");
                assert!(said.contains(line), "{name}: {said}");
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(stored(&app).await, (0, 0));
}

fn tollgate(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .env("TOLLGATE_DATABASE_URL", &app.database_url)
        .env("TOLLGATE_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("tollgate runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn the_command_prints_what_it_did_and_fails_on_a_bad_file(app: TestApp) {
    let good = fixture("mt940_de.sta").display().to_string();
    let (ok, out, err) = tokio::task::block_in_place(|| {
        tollgate(&app, &["statements", "import", &good, "--format", "mt940"])
    });
    assert!(ok, "{err}");
    assert!(
        out.contains("lines read") && out.contains("0 already imported"),
        "{out}"
    );
    let (ok, out, _) =
        tokio::task::block_in_place(|| tollgate(&app, &["statements", "import", &good]));
    assert!(ok);
    assert!(out.contains(" 0 new"), "{out}");
    let (_, lines) = stored(&app).await;

    let bad = fixture("malformed/camt053_truncated.xml")
        .display()
        .to_string();
    let (ok, _, err) =
        tokio::task::block_in_place(|| tollgate(&app, &["statements", "import", &bad]));
    assert!(!ok, "a malformed file fails");
    assert!(err.contains("line 80"), "{err}");
    assert_eq!(stored(&app).await, (1, lines), "nothing more stored");
}
