//! Domain core of xyjt (信用交通): identifiers, the working-day calendar, subjects, records,
//! ledger events and their hashing, masking. Pure functions and data; no I/O.

pub mod account;
pub mod calendar;
pub mod canonical;
pub mod cases;
pub mod check;
pub mod checkpoint;
pub mod clock;
pub mod commitment;
pub mod demo;
pub mod disclosure;
pub mod discretion;
pub mod evaluation;
pub mod exchange;
pub mod fields;
pub mod ident;
pub mod inspection;
pub mod integrity;
pub mod ledger;
pub mod limits;
pub mod listing;
pub mod lists;
pub mod mask;
pub mod money;
pub mod policies;
pub mod publicity;
pub mod record;
pub mod repair;
pub mod stats;
pub mod subject;
pub mod submission;
pub mod text;
pub mod workflow;
