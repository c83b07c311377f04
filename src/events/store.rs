//! The findings state store: SQLite (bundled), one row per processed record and one per finding.
//!
//! A finding is *active* until a later passing change of the same resource document resolves
//! it, or someone archives it (approved). Writes are batched in transactions: a crash loses
//! only the open batch, which re-running the same input re-processes; records are keyed by
//! `eventID` (with source and name, see `encodings/cloudtrail-events.md`), so replaying a
//! stream adds nothing twice.

use super::check::{EventOutcome, EventResult};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
#[error("state store {path}: {message}")]
pub struct StoreError {
    pub path: String,
    pub message: String,
}

/// A finding's place in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Resolved,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Resolved => "resolved",
            Status::Archived => "archived",
        }
    }
    pub fn parse(text: &str) -> Result<Status, super::ValueError> {
        match text {
            "active" => Ok(Status::Active),
            "resolved" => Ok(Status::Resolved),
            "archived" => Ok(Status::Archived),
            _ => Err(super::ValueError::new(
                format!("{text:?}"),
                "status must be active, resolved or archived",
            )),
        }
    }
}

/// One stored finding.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredFinding {
    pub id: i64,
    pub event_id: String,
    pub event_name: String,
    pub event_time: String,
    pub resource: String,
    pub slot: String,
    pub actor: String,
    pub result: String,
    pub status: Status,
    /// The resolving event, or the archive reason.
    pub resolved_by: Option<String>,
    pub archive_reason: Option<String>,
    /// The record's JSON (as `--format json` prints it).
    pub detail: Value,
}

pub struct Store {
    conn: Connection,
    path: String,
    in_transaction: bool,
    pending: usize,
    batch: usize,
}

/// What recording one outcome did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New {
        finding: bool,
        resolved: usize,
    },
    /// This record was processed before (same key): nothing written.
    Duplicate,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
  event_key TEXT PRIMARY KEY, event_id TEXT NOT NULL, event_name TEXT NOT NULL,
  event_time TEXT NOT NULL, resource TEXT NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_key TEXT NOT NULL UNIQUE REFERENCES events(event_key),
  event_id TEXT NOT NULL, event_name TEXT NOT NULL, event_time TEXT NOT NULL, time_ms INTEGER,
  resource TEXT NOT NULL, slot TEXT NOT NULL, actor TEXT NOT NULL, result TEXT NOT NULL,
  status TEXT NOT NULL, resolved_by TEXT, archive_reason TEXT, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS findings_by_resource ON findings(resource, slot, status);
";

impl Store {
    /// Opens (creating) the store; commits every `batch` records.
    pub fn open(path: &str, batch: usize) -> Result<Store, StoreError> {
        let fail = |e: rusqlite::Error| StoreError {
            path: path.to_string(),
            message: e.to_string(),
        };
        let conn = Connection::open(path).map_err(fail)?;
        // WAL: a kill -9 leaves the last committed transaction intact; NORMAL sync is durable
        // against process crashes (the case here), full fsync per commit is not needed.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        )
        .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        Ok(Store {
            conn,
            path: path.to_string(),
            in_transaction: false,
            pending: 0,
            batch: batch.max(1),
        })
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Records one outcome in the open batch (committed every `batch` records and by [`Store::commit`]).
    pub fn record(&mut self, outcome: &EventOutcome) -> Result<Recorded, StoreError> {
        if !self.in_transaction {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| self.error(e))?;
            self.in_transaction = true;
        }
        let recorded = self.write(outcome).map_err(|e| self.error(e))?;
        self.pending += 1;
        if self.pending >= self.batch {
            self.commit()?;
        }
        Ok(recorded)
    }

    fn write(&self, outcome: &EventOutcome) -> rusqlite::Result<Recorded> {
        let c = &outcome.change;
        let key = format!("{}|{}|{}", c.event_id, c.event_source, c.event_name);
        let inserted = self.conn.execute(
            "INSERT OR IGNORE INTO events(event_key, event_id, event_name, event_time, resource, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key, c.event_id, c.event_name, c.event_time, c.resource, outcome.result.as_str()],
        )?;
        if inserted == 0 {
            return Ok(Recorded::Duplicate);
        }
        let time = c.time.unwrap_or(i64::MAX);
        match outcome.result {
            EventResult::Fail | EventResult::Alarm | EventResult::Unknown => {
                self.conn.execute(
                    "INSERT INTO findings(event_key, event_id, event_name, event_time, time_ms, resource, slot, actor, result, status, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'active', ?10)",
                    params![key, c.event_id, c.event_name, c.event_time, c.time, c.resource, c.slot, c.actor,
                        outcome.result.as_str(), outcome.json().to_string()],
                )?;
                Ok(Recorded::New {
                    finding: true,
                    resolved: 0,
                })
            }
            EventResult::Pass => {
                let resolved = self.conn.execute(
                    "UPDATE findings SET status = 'resolved', resolved_by = ?1
                     WHERE resource = ?2 AND slot = ?3 AND status = 'active' AND COALESCE(time_ms, 0) <= ?4",
                    params![c.event_id, c.resource, c.slot, time],
                )?;
                Ok(Recorded::New {
                    finding: false,
                    resolved,
                })
            }
            EventResult::Attempt => Ok(Recorded::New {
                finding: false,
                resolved: 0,
            }),
        }
    }

    /// Commits the open batch.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        if self.in_transaction {
            self.conn
                .execute_batch("COMMIT")
                .map_err(|e| self.error(e))?;
            self.in_transaction = false;
        }
        self.pending = 0;
        Ok(())
    }

    /// Findings, oldest first; `status` filters; `older_than` = (as-of ms, age ms) keeps those
    /// whose event is at least that old at that time.
    pub fn list(
        &self,
        status: Option<Status>,
        older_than: Option<(i64, i64)>,
    ) -> Result<Vec<StoredFinding>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, event_id, event_name, event_time, resource, slot, actor, result, status, resolved_by, archive_reason, detail, time_ms
                 FROM findings ORDER BY COALESCE(time_ms, 0), id",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |row| {
                let status: String = row.get(8)?;
                let detail: String = row.get(11)?;
                let time: Option<i64> = row.get(12)?;
                Ok((
                    StoredFinding {
                        id: row.get(0)?,
                        event_id: row.get(1)?,
                        event_name: row.get(2)?,
                        event_time: row.get(3)?,
                        resource: row.get(4)?,
                        slot: row.get(5)?,
                        actor: row.get(6)?,
                        result: row.get(7)?,
                        status: Status::parse(&status).unwrap_or(Status::Active),
                        resolved_by: row.get(9)?,
                        archive_reason: row.get(10)?,
                        detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
                    },
                    time,
                ))
            })
            .map_err(|e| self.error(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (finding, time) = row.map_err(|e| self.error(e))?;
            if status.is_some_and(|s| s != finding.status) {
                continue;
            }
            if let Some((as_of, age)) = older_than {
                // A finding without a time has no age: it is not reported as old.
                match time {
                    Some(t) if as_of.saturating_sub(t) >= age => {}
                    _ => continue,
                }
            }
            out.push(finding);
        }
        Ok(out)
    }

    /// Archives a finding (approved). False when there is no such finding.
    pub fn archive(&mut self, id: i64, reason: &str) -> Result<bool, StoreError> {
        self.commit()?;
        let exists: Option<i64> = self
            .conn
            .query_row("SELECT id FROM findings WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.error(e))?;
        if exists.is_none() {
            return Ok(false);
        }
        self.conn
            .execute(
                "UPDATE findings SET status = 'archived', archive_reason = ?1 WHERE id = ?2",
                params![reason, id],
            )
            .map_err(|e| self.error(e))?;
        Ok(true)
    }

    /// How many records have been processed (committed or in the open batch).
    pub fn event_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .map_err(|e| self.error(e))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // An orderly end commits; a crash (kill -9) never reaches here and loses the open batch only.
        let _ = self.commit();
    }
}

impl StoredFinding {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "status": self.status, "eventID": self.event_id, "eventName": self.event_name,
            "eventTime": self.event_time, "resource": self.resource, "slot": self.slot, "actor": self.actor,
            "result": self.result, "resolved_by": self.resolved_by, "archive_reason": self.archive_reason,
            "detail": self.detail,
        })
    }
}
