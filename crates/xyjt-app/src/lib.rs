//! Application services of xyjt: one function per use case (file an objection, answer a check,
//! run the list rules, seed the demo …) over `Store` + core, shared by the CLI, the API, the
//! pages and the demo. They return `AppError`, never an HTTP type; the shells translate.

pub mod accounts;
pub mod error;

pub use error::{AppError, AppResult, ErrorKind};
