//! Screening engine of xyjt (信用交通): matches subjects — by identifier and by name — against
//! lists (red and black lists, watch lists, imported external lists such as 失信被执行人).
//!
//! * [`normalize`]: analysis of a name into region, core name and legal form, with the
//!   normalisation steps recorded for explanations;
//! * [`region`]: the embedded table of administrative regions used to recognise region
//!   prefixes;
//! * [`score`]: the pairwise score (0.0–1.0) and its Chinese explanation;
//! * [`index`]: [`MatchIndex`], the in-memory screening index (exact identifiers, fuzzy names),
//!   cheap to update entry by entry.
//!
//! No I/O; the HTTP and CLI layers live elsewhere.

pub mod index;
pub mod normalize;
pub mod region;
pub mod score;

pub use index::{Hit, IndexConfig, ListEntry, MatchIndex};
pub use normalize::{LegalForm, LegalFormClass, NameAnalysis, Step, analyze};
pub use region::Region;
pub use score::{Comparison, MatchBasis, compare_names};

/// The score from which a name hit is reported by default: on the labelled benchmark set
/// (docs/BENCHMARKS.md) it keeps recall at 0.99 with precision 0.88; hits between it and ~0.75
/// are typically one-character differences to be reviewed by a person.
pub const DEFAULT_MIN_SCORE: f64 = 0.62;
