//! Application services of xyjt: one function per use case (file an objection, answer a check,
//! run the list rules, seed the demo …) over `Store` + core, shared by the CLI, the API, the
//! pages and the demo. They return `AppError`, never an HTTP type; the shells translate.

pub mod accounts;
pub mod checks;
pub mod disclosure;
pub mod error;
pub mod evaluation;
pub mod exchange;
pub mod exchange_files;
pub mod inspection;
pub mod integrity;
pub mod ledger_proofs;
pub mod lists;
pub mod policies;
pub mod replay;
pub mod reports;
pub mod stats;

pub use error::{AppError, AppResult, ErrorKind};
pub mod demo;
pub mod workflows;

use chrono::NaiveDate;
use xyjt_core::calendar::Calendar;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::policies::Policies;
use xyjt_store::Store;

/// What the services need: the store, the day, and the policies (with, for short, the
/// calendar and the deadline policy among them).
pub struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub calendar: &'a Calendar,
    pub today: NaiveDate,
    pub policy: &'a DeadlinePolicy,
    pub policies: &'a Policies,
}

impl<'a> Ctx<'a> {
    /// The shipped policies with `calendar` (tests and the demo).
    pub fn new(store: &'a dyn Store, calendar: &'a Calendar, today: NaiveDate) -> Self {
        let policies = Policies::builtin_ref();
        Ctx {
            store,
            calendar,
            today,
            policy: &policies.deadlines,
            policies,
        }
    }

    pub fn with_policies(store: &'a dyn Store, policies: &'a Policies, today: NaiveDate) -> Self {
        Ctx {
            store,
            calendar: &policies.calendar,
            today,
            policy: &policies.deadlines,
            policies,
        }
    }
}
