//! Domain core of xyjt (信用交通): identifiers, the working-day calendar, subjects, records,
//! ledger events and their hashing, masking. Pure functions and data; no I/O.

pub mod calendar;
pub mod ident;
