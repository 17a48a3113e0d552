//! The platform's notion of "today": dates of decisions, deadlines and publicity are Chinese
//! civil dates (UTC+8), whatever the server's time zone.

use chrono::{FixedOffset, NaiveDate, Utc};

/// Today's date in China (UTC+8).
pub fn today_in_china() -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    Utc::now().with_timezone(&china).date_naive()
}
