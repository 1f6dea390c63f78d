//! `tollgate statements import FILE`: the same import as the panel's upload, with a progress
//! bar and a summary for the terminal.

use std::path::Path;

use crate::db::Db;
use crate::domain::reconcile::{self, Confidence, Upload};
use crate::domain::statements::{CsvProfile, Format};
use crate::error::{Error, Result};

pub struct Import<'a> {
    pub file: &'a Path,
    pub format: Option<Format>,
    pub profile: Option<&'a str>,
    pub profiles: &'a [CsvProfile],
}

pub async fn import(db: &Db, import: Import<'_>) -> Result<()> {
    let bytes = std::fs::read(import.file).map_err(|e| {
        Error::field(
            "file",
            format!("cannot read {}: {e}", import.file.display()),
        )
    })?;
    let file_name = import
        .file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} lines  {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let upload = Upload {
        file_name: &file_name,
        bytes: &bytes,
        format: import.format,
        profile: import.profile,
        extra_profiles: import.profiles,
    };
    let started = std::time::Instant::now();
    let done = reconcile::import(db, None, upload, &progress).await;
    bar.finish_and_clear();
    let done = done?;
    let count = |c: Confidence| {
        done.suggestions
            .iter()
            .filter(|s| s.confidence == c)
            .count()
    };
    println!(
        "{file_name} ({}): {} lines read, {} new, {} already imported, {} debits kept but not matched.",
        done.format, done.read, done.new, done.already, done.debits
    );
    println!(
        "Matched {} credit lines ({} high, {} medium, {} low confidence; {} preselected); {} unmatched.",
        done.suggestions.len(),
        count(Confidence::High),
        count(Confidence::Medium),
        count(Confidence::Low),
        done.suggestions.iter().filter(|s| s.preselected()).count(),
        done.unmatched,
    );
    println!("Took {:.2} s.", started.elapsed().as_secs_f64());
    Ok(())
}
