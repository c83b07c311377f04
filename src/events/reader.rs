//! Streaming CloudTrail reader: every container teams keep records in, one record at a time.
//!
//! Containers: a log file as delivered to S3 (`{"Records":[...]}`, gzipped or not), a bare JSON
//! array, JSONL (or any sequence of concatenated objects), `aws cloudtrail lookup-events`
//! output (`{"Events":[{"CloudTrailEvent": "<record as a string>"}]}`), and the EventBridge
//! envelope (`{"detail-type": ..., "detail": record}`), alone or inside any of the others.
//!
//! Memory stays flat: a `Records` array is visited element by element with a serde seed, never
//! built as a whole. The one exception is a lookup-events page, which AWS returns newest first
//! (at most 50 events per page): it is buffered and put in time order.

use flate2::read::MultiGzDecoder;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

/// A container could not be read: the message names the file, where in it, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ReadError {
    pub file: String,
    pub message: String,
}

/// Called once per record, in stream order; an `Err` stops the stream (e.g. output closed).
pub type Sink<'a> = dyn FnMut(Value) -> Result<(), String> + 'a;

/// Reads every record under `paths` (files, directories read recursively in name order, `-` for
/// stdin) and hands each to `sink`. Returns how many records were read.
pub fn read_paths(paths: &[String], sink: &mut Sink<'_>) -> Result<usize, ReadError> {
    read_paths_projected(paths, &[], sink)
}

/// [`read_paths`], with the top-level record keys in `drop` skipped while parsing (never
/// built): a caller that needs a few fields of each record parses much less.
pub fn read_paths_projected(
    paths: &[String],
    drop: &'static [&'static str],
    sink: &mut Sink<'_>,
) -> Result<usize, ReadError> {
    let mut total = 0;
    for path in paths {
        if path == "-" {
            total += read_stream_projected(std::io::stdin().lock(), "-", drop, sink)?;
            continue;
        }
        for file in expand(Path::new(path)).map_err(|message| ReadError {
            file: path.clone(),
            message,
        })? {
            let label = file.to_string_lossy().to_string();
            let handle = std::fs::File::open(&file).map_err(|e| ReadError {
                file: label.clone(),
                message: e.to_string(),
            })?;
            total += read_stream_projected(handle, &label, drop, sink)?;
        }
    }
    Ok(total)
}

/// A directory's regular files, recursively, sorted; a file as itself.
fn expand(path: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().map(|n| n.to_string_lossy().to_string());
        if name.as_deref().is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        out.extend(expand(&entry)?);
    }
    Ok(out)
}

/// Reads one container (gzip detected by its magic bytes) and hands each record to `sink`.
pub fn read_stream<R: Read>(
    input: R,
    label: &str,
    sink: &mut Sink<'_>,
) -> Result<usize, ReadError> {
    read_stream_projected(input, label, &[], sink)
}

fn read_stream_projected<R: Read>(
    input: R,
    label: &str,
    drop: &'static [&'static str],
    sink: &mut Sink<'_>,
) -> Result<usize, ReadError> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let gzipped = buffered
        .fill_buf()
        .map(|b| b.starts_with(&[0x1f, 0x8b]))
        .map_err(|e| ReadError {
            file: label.to_string(),
            message: e.to_string(),
        })?;
    if gzipped {
        let inner = BufReader::with_capacity(1 << 16, MultiGzDecoder::new(buffered));
        read_json_values(inner, label, drop, sink)
    } else {
        read_json_values(buffered, label, drop, sink)
    }
}

/// Counts lines and columns of what was consumed, for error positions.
struct Positioned<R> {
    inner: R,
    position: Rc<Cell<(u64, u64)>>,
}

/// Moves the (line, column) position past `bytes`.
fn advance(position: &Cell<(u64, u64)>, bytes: &[u8]) {
    let (mut line, mut column) = position.get();
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
    }
    position.set((line, column));
}

impl<R: BufRead> Read for Positioned<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = buf.get(..n) {
            advance(&self.position, read);
        }
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Positioned<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            if let Some(taken) = buf.get(..amount) {
                advance(&self.position, taken);
            }
        }
        self.inner.consume(amount);
    }
}

/// Skips whitespace; the next byte, or None at the end.
fn peek_non_space<R: BufRead>(reader: &mut R) -> std::io::Result<Option<u8>> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let skip = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if skip < buf.len() {
            let next = buf.get(skip).copied();
            reader.consume(skip);
            return Ok(next);
        }
        let all = buf.len();
        reader.consume(all);
    }
}

fn read_json_values<R: BufRead>(
    input: R,
    label: &str,
    drop: &'static [&'static str],
    sink: &mut Sink<'_>,
) -> Result<usize, ReadError> {
    let position = Rc::new(Cell::new((0u64, 0u64)));
    let mut reader = Positioned {
        inner: input,
        position: position.clone(),
    };
    let at = |position: &Rc<Cell<(u64, u64)>>, message: String| {
        let (line, column) = position.get();
        ReadError {
            file: label.to_string(),
            message: format!("line {}:{}: {message}", line + 1, column + 1),
        }
    };
    let mut count = 0usize;
    let mut first = true;
    let mut line = Vec::new();
    loop {
        let next = peek_non_space(&mut reader).map_err(|e| at(&position, e.to_string()))?;
        let Some(byte) = next else { break };
        if first || byte == b'[' {
            // The first value may be a big container: stream it through the seed.
            let mut de = serde_json::Deserializer::from_reader(&mut reader);
            let mut failure = None;
            let seed = TopSeed {
                drop,
                sink: &mut *sink,
                count: &mut count,
                failure: &mut failure,
            };
            let result = seed.deserialize(&mut de);
            if let Some(message) = failure {
                return Err(at(&position, message));
            }
            result.map_err(|e| at(&position, bare(&e)))?;
            first = false;
            continue;
        }
        // Later values (JSONL): a line at a time, joined until a value is complete.
        line.clear();
        let start = position.get();
        loop {
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| at(&position, e.to_string()))?;
            let mut de = serde_json::Deserializer::from_slice(&line);
            let parsed = Projection(drop)
                .deserialize(&mut de)
                .and_then(|v| de.end().map(|()| v));
            match parsed {
                Ok(value) => {
                    let record = normalize(value).map_err(|m| at(&position, m))?;
                    for r in record {
                        count += 1;
                        sink(r).map_err(|m| at(&position, m))?;
                    }
                    break;
                }
                Err(e) if e.is_eof() && n > 0 => continue,
                Err(e) => {
                    let line_no = start.0 + e.line().saturating_sub(1) as u64;
                    let column = if e.line() == 1 {
                        start.1 + e.column() as u64
                    } else {
                        e.column() as u64
                    };
                    return Err(ReadError {
                        file: label.to_string(),
                        message: format!("line {}:{}: {}", line_no + 1, column, bare(&e)),
                    });
                }
            }
        }
    }
    Ok(count)
}

/// serde_json's message without its own position (relative to the value, not the file).
fn bare(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The top-level value: an array of records/envelopes, or an object that is a Records file,
/// lookup-events output, an envelope or a record.
struct TopSeed<'s, 'a> {
    drop: &'static [&'static str],
    sink: &'s mut Sink<'a>,
    count: &'s mut usize,
    failure: &'s mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl TopSeed<'_, '_> {
    fn emit<E: serde::de::Error>(&mut self, value: Value) -> Result<(), E> {
        let records = normalize(value).map_err(E::custom)?;
        for record in records {
            *self.count += 1;
            if let Err(message) = (self.sink)(record) {
                *self.failure = Some(message.clone());
                return Err(E::custom(message));
            }
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("CloudTrail records: an object or an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(value) = seq.next_element_seed(Projection(self.drop))? {
            self.emit(value)
                .map_err(|e: A::Error| A::Error::custom(format!("[{index}]: {e}")))?;
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut fields = Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "Records" => {
                    let inner = TopSeed {
                        drop: self.drop,
                        sink: &mut *self.sink,
                        count: &mut *self.count,
                        failure: &mut *self.failure,
                    };
                    map.next_value_seed(RecordsSeed(inner))?;
                    streamed = true;
                }
                "Events" => {
                    let events = map.next_value::<Vec<Value>>()?;
                    for record in lookup_events_in_time_order(events).map_err(A::Error::custom)? {
                        self.emit(record)?;
                    }
                    streamed = true;
                }
                _ => {
                    let value = map.next_value::<Value>()?;
                    fields.insert(key, value);
                }
            }
        }
        if !streamed {
            self.emit(Value::Object(fields))?;
        }
        Ok(())
    }
}

/// The `Records` array, element by element.
struct RecordsSeed<'s, 'a>(TopSeed<'s, 'a>);

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"Records\": an array of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(value) = seq.next_element::<Value>()? {
            self.0
                .emit(value)
                .map_err(|e: A::Error| A::Error::custom(format!("Records[{index}]: {e}")))?;
            index += 1;
        }
        Ok(())
    }
}

/// A JSON value; in an object, the keys listed are skipped (parsed, never built).
struct Projection(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Projection {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.0.is_empty() {
            return Value::deserialize(d);
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Projection {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if self.0.contains(&key.as_str()) {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else {
                fields.insert(key, map.next_value::<Value>()?);
            }
        }
        Ok(Value::Object(fields))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// A lookup-events page: each `CloudTrailEvent` string parsed, oldest first (AWS returns them
/// newest first; the stream's "previous version" needs time order).
fn lookup_events_in_time_order(events: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut records = Vec::with_capacity(events.len());
    for (index, event) in events.into_iter().enumerate() {
        let text = event
            .get("CloudTrailEvent")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("Events[{index}]: no CloudTrailEvent string"))?;
        let record: Value = serde_json::from_str(text)
            .map_err(|e| format!("Events[{index}].CloudTrailEvent: {e}"))?;
        records.push(record);
    }
    records.sort_by_key(|r| {
        r.get("eventTime")
            .and_then(Value::as_str)
            .and_then(super::time::parse_event_time)
    });
    Ok(records)
}

/// One value of a container as CloudTrail records: envelopes unwrapped, lookup-events entries
/// parsed. A value that is none of these is an error, never skipped.
pub(crate) fn normalize(value: Value) -> Result<Vec<Value>, String> {
    let Value::Object(mut object) = value else {
        return Err(format!(
            "expected a CloudTrail record (an object), found {}",
            kind_of(&value)
        ));
    };
    if object.contains_key("detail") && object.contains_key("detail-type") {
        let envelope_id = object.get("id").cloned();
        let Some(Value::Object(mut detail)) = object.remove("detail") else {
            return Err("EventBridge envelope: \"detail\" is not an object".into());
        };
        // Some producers omit eventID in the detail; the envelope id is unique per event.
        if !detail.contains_key("eventID") {
            if let Some(id) = envelope_id {
                detail.insert("eventID".into(), id);
            }
        }
        return normalize(Value::Object(detail));
    }
    if let Some(text) = object.get("CloudTrailEvent").and_then(Value::as_str) {
        let record: Value =
            serde_json::from_str(text).map_err(|e| format!("CloudTrailEvent: {e}"))?;
        return normalize(record);
    }
    if let Some(Value::Array(records)) = object.remove("Records") {
        let mut out = Vec::new();
        for r in records {
            out.extend(normalize(r)?);
        }
        return Ok(out);
    }
    if let Some(Value::Array(events)) = object.remove("Events") {
        let mut out = Vec::new();
        for r in lookup_events_in_time_order(events)? {
            out.extend(normalize(r)?);
        }
        return Ok(out);
    }
    if !object.contains_key("eventName") {
        return Err("not a CloudTrail record: no \"eventName\"".into());
    }
    Ok(vec![Value::Object(object)])
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
