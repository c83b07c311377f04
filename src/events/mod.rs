//! `keyaki events`: policy changes as they happen. CloudTrail records in any container
//! ([`reader`]) → the policy-changing calls and their new policies ([`extract`]) → verdict,
//! widening against the previous version and the last compliant version ([`check`]) →
//! findings with a lifecycle in SQLite ([`store`]). [`lambda`] is the EventBridge handler.

pub mod check;
pub mod extract;
pub mod lambda;
pub mod managed;
pub mod output;
pub mod reader;
pub mod settings;
pub mod store;
pub mod time;

pub use check::{Against, Checker, EventOutcome, EventResult};
pub use settings::Settings;

use reader::ReadError;
use store::{Recorded, Store, StoreError};

/// Counts for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub records: usize,
    pub recognized: usize,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub attempt: usize,
    pub alarm: usize,
    /// Records the state store had already seen (replays).
    pub already_recorded: usize,
    pub resolved: usize,
}

impl Summary {
    fn count(&mut self, result: EventResult) {
        self.recognized += 1;
        match result {
            EventResult::Pass => self.pass += 1,
            EventResult::Fail => self.fail += 1,
            EventResult::Unknown => self.unknown += 1,
            EventResult::Attempt => self.attempt += 1,
            EventResult::Alarm => self.alarm += 1,
        }
    }

    /// 3 when anything was undecided, 1 for a failing change or an alarm, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.unknown > 0 {
            3
        } else if self.fail > 0 || self.alarm > 0 {
            1
        } else {
            0
        }
    }
}

/// Why the events stage could not go on; every message names the file, record or setting.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A container or record that could not be read (the file and the place in it).
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value that is not what its place needs: an event that is no CloudTrail record, a
    /// policy text, a managed policy, a duration or status given as an option.
    #[error(transparent)]
    Value(#[from] ValueError),
}

/// A value that is not what its place needs; `at` names the place (a record location such as
/// `requestParameters.policyDocument`, an ARN, a file, or the option's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ValueError {
    pub at: String,
    pub message: String,
}

impl ValueError {
    pub(crate) fn new(at: impl Into<String>, message: impl Into<String>) -> ValueError {
        ValueError {
            at: at.into(),
            message: message.into(),
        }
    }
}

/// Streams every record under `paths` through `checker`, records outcomes in `store` (when
/// given) and hands each to `emit`, in stream order.
pub fn run(
    paths: &[String],
    checker: &mut Checker,
    mut store: Option<&mut Store>,
    emit: &mut dyn FnMut(&EventOutcome) -> Result<(), String>,
) -> Result<Summary, RunError> {
    let mut summary = Summary::default();
    let mut store_error = None;
    let read = reader::read_paths(paths, &mut |record| {
        summary.records += 1;
        let Some(outcome) = checker.process(&record) else {
            return Ok(());
        };
        summary.count(outcome.result);
        if let Some(store) = store.as_deref_mut() {
            match store.record(&outcome) {
                Ok(Recorded::Duplicate) => summary.already_recorded += 1,
                Ok(Recorded::New { resolved, .. }) => summary.resolved += resolved,
                Err(e) => {
                    let message = e.to_string();
                    store_error = Some(e);
                    return Err(message);
                }
            }
        }
        emit(&outcome)
    });
    if let Some(e) = store_error {
        return Err(RunError::Store(e));
    }
    read?;
    if let Some(store) = store {
        store.commit()?;
    }
    Ok(summary)
}
