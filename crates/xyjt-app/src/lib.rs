//! Application services of xyjt: one function per use case (file an objection, answer a check,
//! run the list rules, seed the demo …) over `Store` + core, shared by the CLI, the API, the
//! pages and the demo. They return `AppError`, never an HTTP type; the shells translate.

pub mod accounts;
pub mod checks;
pub mod error;
pub mod lists;
pub mod replay;
pub mod stats;

pub use error::{AppError, AppResult, ErrorKind};
pub mod demo;
pub mod workflows;

use chrono::NaiveDate;
use xyjt_core::calendar::Calendar;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_store::Store;

/// What the services need: the store, the calendar, the day, the deadline policy.
pub struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub calendar: &'a Calendar,
    pub today: NaiveDate,
    pub policy: &'static DeadlinePolicy,
}

impl<'a> Ctx<'a> {
    pub fn new(store: &'a dyn Store, calendar: &'a Calendar, today: NaiveDate) -> Self {
        Ctx {
            store,
            calendar,
            today,
            policy: DeadlinePolicy::builtin(),
        }
    }
}
