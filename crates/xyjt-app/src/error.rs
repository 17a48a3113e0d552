//! The one error of the application services: what went wrong, in domain terms. Shells map it:
//! `xyjt-web` to a status and the JSON envelope or an error page, the binary to an exit code.

use xyjt_store::StoreError;

/// What kind of failure, independent of how a shell shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong: a field, a row, a request (HTTP 422, exit 1).
    Invalid,
    /// The thing asked about does not exist, or may not be seen (404, exit 1).
    NotFound,
    /// The caller is not who it must be (401, exit 1).
    Unauthenticated,
    /// The caller may not do this (403, exit 1).
    Forbidden,
    /// It clashes with what is already there (409, exit 1).
    Conflict,
    /// A service it depends on is not running (503, exit 2).
    Unavailable,
    /// A storage or system failure: logged, never shown in detail (500, exit 2).
    Internal,
}

/// A refused or failed use case: a stable machine code, a Chinese message, and per-field or
/// per-row details.
#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: ErrorKind,
    /// Stable machine-readable code, e.g. `not_found`, `invalid_parameter`, `not_eligible`.
    pub code: &'static str,
    pub message: String,
    pub details: Vec<serde_json::Value>,
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            kind,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, "invalid_parameter", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, "not_found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", message)
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.details.push(detail);
        self
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => {
                Self::new(ErrorKind::Conflict, "conflict", e.to_string())
            }
            StoreError::NotFound(_) => Self::not_found(e.to_string()),
            StoreError::Fold(_)
            | StoreError::Entry(_)
            | StoreError::Case(_)
            | StoreError::Workflow(_) => {
                Self::new(ErrorKind::Invalid, "invalid_state", e.to_string())
            }
            // The message is for the log; shells show a generic one.
            other => Self::new(ErrorKind::Internal, "internal", other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
