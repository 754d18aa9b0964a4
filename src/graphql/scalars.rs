//! The scalars of api.md. Input scalars are parsed leniently by async-graphql and checked at
//! the edge with the field's name, so a malformed value is `BAD_USER_INPUT` naming the field
//! (async-graphql's own scalar errors carry neither a code nor the field).

use async_graphql::{Context, InputValueResult, Scalar, ScalarType, UploadValue, Value};
use chrono::{DateTime as ChronoDateTime, NaiveDate, SecondsFormat, Utc};

use crate::domain::Yuan;
use crate::error::AppError;

/// An RFC 3339 instant, always written in UTC (`2023-03-01T02:00:00Z`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateTime {
    Valid(ChronoDateTime<Utc>),
    Invalid(String),
}

/// An Asia/Shanghai calendar date (`2023-03-01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Date {
    Valid(NaiveDate),
    Invalid(String),
}

/// Money in yuan as a string: at most two decimals in (`"100"`, `"100.1"`), always two out
/// (`"100.10"`). A JSON number is refused: floats cannot hold money exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decimal {
    Valid(Yuan),
    Invalid(String),
}

/// A size in bytes as a JSON number, up to 2^63 - 1: GraphQL's `Int` is 32-bit and cannot
/// hold a file of 2 GiB or more. (JavaScript's numbers are exact up to 2^53, 8 PiB.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Size {
    Valid(u64),
    Invalid(String),
}

/// A file of a GraphQL multipart request (the spec's `Upload`): in the request's
/// `operations` its variable is `null`, and `map` names the part holding its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// The index of the file among the request's uploads.
    File(usize),
    /// Not a file of this request (a value sent in the JSON).
    Invalid,
}

fn raw(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(match &value {
            Value::String(s) => ChronoDateTime::parse_from_rfc3339(s)
                .map(|t| DateTime::Valid(t.with_timezone(&Utc)))
                .unwrap_or_else(|_| DateTime::Invalid(s.clone())),
            other => DateTime::Invalid(raw(other)),
        })
    }

    fn to_value(&self) -> Value {
        match self {
            DateTime::Valid(t) => Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            DateTime::Invalid(s) => Value::String(s.clone()),
        }
    }
}

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(match &value {
            Value::String(s) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Date::Valid).unwrap_or_else(|_| Date::Invalid(s.clone()))
            }
            other => Date::Invalid(raw(other)),
        })
    }

    fn to_value(&self) -> Value {
        match self {
            Date::Valid(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            Date::Invalid(s) => Value::String(s.clone()),
        }
    }
}

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(match &value {
            Value::String(s) => Yuan::parse(s).map(Decimal::Valid).unwrap_or_else(|_| Decimal::Invalid(s.clone())),
            Value::Number(n) => Decimal::Invalid(format!("number:{n}")),
            other => Decimal::Invalid(raw(other)),
        })
    }

    fn to_value(&self) -> Value {
        match self {
            Decimal::Valid(y) => Value::String(y.to_string()),
            Decimal::Invalid(s) => Value::String(s.clone()),
        }
    }
}

#[Scalar(name = "Size")]
impl ScalarType for Size {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(match &value {
            Value::Number(n) => match n.as_u64() {
                Some(v) if i64::try_from(v).is_ok() => Size::Valid(v),
                _ => Size::Invalid(n.to_string()),
            },
            other => Size::Invalid(raw(other)),
        })
    }

    fn to_value(&self) -> Value {
        match self {
            Size::Valid(v) => Value::Number((*v).into()),
            Size::Invalid(s) => Value::String(s.clone()),
        }
    }
}

/// What async-graphql writes into a variable for the upload it stands for.
const UPLOAD_PREFIX: &str = "#__graphql_file__:";

#[Scalar(name = "Upload", specified_by_url = "https://github.com/jaydenseric/graphql-multipart-request-spec")]
impl ScalarType for Upload {
    fn parse(value: Value) -> InputValueResult<Self> {
        // async-graphql's own `Upload` panics on a malformed placeholder or an index past the
        // request's files: anything here that is not one of its files is `Invalid`, refused
        // with the field's name by [`Upload::value`].
        Ok(match &value {
            Value::String(s) => s
                .strip_prefix(UPLOAD_PREFIX)
                .and_then(|i| i.parse::<usize>().ok())
                .map_or(Upload::Invalid, Upload::File),
            _ => Upload::Invalid,
        })
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

impl Upload {
    /// The uploaded file (a temporary file, read from its start).
    pub fn value(&self, ctx: &Context<'_>, field: &str) -> Result<UploadValue, AppError> {
        let not_a_file = || {
            AppError::bad_input(
                field,
                "send the file's bytes with the GraphQL multipart request spec (multipart/form-data), its variable null",
            )
        };
        let Upload::File(index) = self else { return Err(not_a_file()) };
        let upload = ctx.query_env.uploads.get(*index).ok_or_else(not_a_file)?;
        upload.try_clone().map_err(|e| AppError::Internal(format!("an uploaded file could not be opened: {e}")))
    }
}

impl Size {
    pub fn get(&self, field: &str) -> Result<u64, AppError> {
        match self {
            Size::Valid(v) => Ok(*v),
            Size::Invalid(_) => {
                Err(AppError::bad_input(field, "a size in bytes: a whole JSON number from 0 to 2^63 - 1"))
            }
        }
    }
}

impl DateTime {
    pub fn get(&self, field: &str) -> Result<ChronoDateTime<Utc>, AppError> {
        match self {
            DateTime::Valid(t) => Ok(*t),
            DateTime::Invalid(_) => {
                Err(AppError::bad_input(field, "expected an RFC 3339 date-time such as 2023-03-01T10:00:00+08:00"))
            }
        }
    }
}

impl Date {
    pub fn get(&self, field: &str) -> Result<NaiveDate, AppError> {
        match self {
            Date::Valid(d) => Ok(*d),
            Date::Invalid(_) => Err(AppError::bad_input(field, "expected a date such as 2023-03-01")),
        }
    }
}

impl Decimal {
    pub fn get(&self, field: &str) -> Result<Yuan, AppError> {
        match self {
            Decimal::Valid(y) => Ok(*y),
            Decimal::Invalid(s) if s.starts_with("number:") => {
                Err(AppError::bad_input(field, "money is a string of yuan (\"100.10\"), never a JSON number"))
            }
            Decimal::Invalid(s) => Err(AppError::bad_input(
                field,
                Yuan::parse(s).err().map_or_else(|| "not an amount".to_string(), |e| e.to_string()),
            )),
        }
    }
}

impl From<ChronoDateTime<Utc>> for DateTime {
    fn from(t: ChronoDateTime<Utc>) -> Self {
        DateTime::Valid(t)
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date::Valid(d)
    }
}

impl From<Yuan> for Decimal {
    fn from(y: Yuan) -> Self {
        Decimal::Valid(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_is_a_whole_json_number_within_63_bits() {
        let parse = |v: serde_json::Value| Size::parse(Value::from_json(v).expect("value")).expect("parsed");
        assert_eq!(parse(serde_json::json!(6_442_450_944u64)), Size::Valid(6 << 30));
        assert_eq!(parse(serde_json::json!(6_442_450_944u64)).to_value(), Value::Number((6u64 << 30).into()));
        for bad in [serde_json::json!(-1), serde_json::json!(1.5), serde_json::json!("12"), serde_json::json!(u64::MAX)]
        {
            assert!(parse(bad.clone()).get("byteSize").is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_placeholder_of_the_request_is_an_upload() {
        let parse = |s: &str| Upload::parse(Value::String(s.into())).expect("parsed");
        assert_eq!(parse("#__graphql_file__:3"), Upload::File(3));
        assert_eq!(parse("#__graphql_file__:x"), Upload::Invalid);
        assert_eq!(parse("photo.jpg"), Upload::Invalid);
        assert_eq!(Upload::parse(Value::Null).expect("parsed"), Upload::Invalid);
    }
}
