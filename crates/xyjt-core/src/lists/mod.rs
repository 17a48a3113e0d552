//! The four lists (四张清单) of joint reward and punishment (联合奖惩) as versioned policy
//! (RULES.md §6).
//!
//! * [`ItemKind`] — the four lists: scope of exemplary honest subjects (诚信典型范围), scope of
//!   serious dishonest behaviour and subjects (严重失信行为及主体范围), reward measures (守信激励
//!   措施) and punishment measures (失信惩戒措施);
//! * [`PolicyItem`] — one item: acting unit, cause, legal basis, implementing units, measure
//!   content, evidence, the [`DecisionPoint`]s it applies to and the [`NameList`]s it concerns;
//!   a scope item may carry an automatic [`EntryRule`] over ledger records;
//! * [`ListPolicy`] — one version of the whole set, with who changed it and when. A change is
//!   always a new version ([`ListPolicy::next_version`]); a version is never edited, and every
//!   list entry cites the version and item that justified it ([`PolicyCitation`]);
//! * [`evaluate_rule`] — which of a subject's records satisfy a scope's rule as of a day.
//!
//! The shipped default (`data/policy/lists.json`, [`ListPolicy::builtin`]) is **example policy**
//! (示例政策, `example: true`): a realistic set for transport, to be reviewed and adopted
//! ([`ListPolicy::adopt`]) by the credit office before it is relied on.
//!
//! Windows: a rule's window of N months as of `today` holds the decision dates in
//! `(today − N months, today]`, where `today − N months` is the corresponding day N months
//! earlier (the month's last day when there is none, what [`NaiveDate::checked_sub_months`]
//! computes) — the same month arithmetic as the publicity periods (see [`crate::publicity`]).

mod evaluate;
mod items;
mod policy;
mod vocab;

pub use evaluate::*;
pub use items::*;
pub use policy::*;
pub use vocab::*;
