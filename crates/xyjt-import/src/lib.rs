//! 双公示 file intake.
