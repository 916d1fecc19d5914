//! `.lmms/usage.json` (`lmms.usage/1`) as the plan reads it: the one usage
//! document type, `lmms_schema::usage`.

pub use lmms_schema::usage::{
    ImportUsage, ModuleUsage, NameUsage, ReadError as UsageError, UsageDoc, ValueUsage, USAGE_SCHEMA,
};
