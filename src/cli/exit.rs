//! How a command fails: one line on stderr with the whole cause chain, and an exit code that
//! says which kind of failure it was (README, "Exit codes").

use crate::error::BoxError;

/// Exit codes of `casebridge` (README, "Exit codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Anything else: a failure while running, a stop that cut requests.
    Failure = 1,
    /// The settings are wrong: a flag, a variable, the config file, a key (clap's usage errors
    /// are 2 too).
    Settings = 2,
    /// The database: unreachable, refusing the login, or its schema does not fit this binary.
    Database = 3,
    /// The listen address cannot be bound (in use, not permitted).
    Listen = 4,
}

/// An error with the exit code it ends the process with.
#[derive(Debug)]
pub struct Failure {
    pub code: Code,
    pub error: BoxError,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

fn with(code: Code, error: impl Into<BoxError>) -> BoxError {
    Box::new(Failure { code, error: error.into() })
}

/// A settings error (exit code 2).
pub fn settings(error: impl Into<BoxError>) -> BoxError {
    with(Code::Settings, error)
}

/// A database error (exit code 3).
pub fn database(error: impl Into<BoxError>) -> BoxError {
    with(Code::Database, error)
}

/// A listen error (exit code 4).
pub fn listen(error: impl Into<BoxError>) -> BoxError {
    with(Code::Listen, error)
}

/// The exit code of an error: the [`Failure`]'s, or 1.
pub fn code_of(error: &BoxError) -> u8 {
    error.downcast_ref::<Failure>().map_or(Code::Failure, |f| f.code) as u8
}

/// The error and its causes on one line, `a: b: c` (`telemetry::cause_chain`, the spelling
/// of every logged error), with no line break a cause may hold.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    crate::telemetry::cause_chain(error).replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_one_line_and_keeps_its_code() {
        let err = settings("config file casebridge.toml: unknown setting `bnid`\n(a typo?)");
        assert_eq!(one_line(err.as_ref()), "config file casebridge.toml: unknown setting `bnid` (a typo?)");
        assert_eq!(code_of(&err), 2);
        assert_eq!(code_of(&database("x")), 3);
        assert_eq!(code_of(&BoxError::from("plain")), 1);
        let repeated: BoxError = "a: b".into();
        assert_eq!(one_line(repeated.as_ref()), "a: b");
    }
}
