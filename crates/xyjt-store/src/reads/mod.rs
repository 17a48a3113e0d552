//! Reads per aggregate, behind `Store`.

pub(crate) mod console;
pub(crate) mod disclosure;
pub(crate) mod evaluation;
pub(crate) mod integrity;
pub(crate) mod lists;
pub(crate) mod records;
pub(crate) mod workflows;
