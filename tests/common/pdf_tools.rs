//! Reading PDFs as a reader does, with poppler's tools (`pdftotext`, `pdfinfo`). Without
//! poppler-utils each call prints one `skipped: …` line and gives `None`, so the test passes,
//! unless `TOLLGATE_REQUIRE_PDF_TOOLS=1` (as in CI) makes a missing tool a failure.
#![allow(dead_code)] // each test binary uses its part

use std::path::Path;
use std::process::Command;

/// Runs a poppler tool on `pdf`; `None` (after one `skipped:` line) when poppler is missing.
pub fn poppler(tool: &str, args: &[&str], pdf: &Path) -> Option<String> {
    let mut command = Command::new(tool);
    command.args(args).arg(pdf);
    if tool == "pdftotext" {
        command.arg("-"); // to stdout
    }
    match command.output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{tool} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8(out.stdout).expect("poppler prints UTF-8"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var("TOLLGATE_REQUIRE_PDF_TOOLS").as_deref() == Ok("1") {
                panic!("TOLLGATE_REQUIRE_PDF_TOOLS=1 but {tool} (poppler-utils) is not installed");
            }
            println!("skipped: {tool} (poppler-utils) not installed");
            None
        }
        Err(e) => panic!("could not run {tool}: {e}"),
    }
}

/// `pdf` in a temporary `.pdf` file, for the tools.
pub fn write_temp(pdf: &[u8]) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    file
}

/// The text of `pdf` as `pdftotext -layout` reads it; `None` when poppler is missing.
pub fn pdftotext(pdf: &[u8]) -> Option<String> {
    let file = write_temp(pdf);
    poppler("pdftotext", &["-layout", "-enc", "UTF-8"], file.path())
}
