//! Bank-statement reconciliation: statement lines are imported ([`import`]), paired with the
//! payments awaiting review ([`matching`]), and a pair staff accept is approved through the
//! one bulk approval, with each line linked to its payment in the same transaction
//! ([`approve`]).

mod approve;
mod import;
pub mod matching;
mod overview;

pub use approve::approve;
pub use import::{Imported, Upload, import};
pub use matching::{Confidence, Reason, Suggestion};
pub use overview::{Overview, Pair, PendingRow, overview};
