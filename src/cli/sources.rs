//! Where a setting comes from besides flags and the environment: the optional TOML file
//! (`--config FILE`, `CASEBRIDGE_CONFIG`) and `*_FILE` variables for secrets
//! (`CASEBRIDGE_JWT_SECRET_FILE=/run/secrets/jwt`, as Docker and Kubernetes mount them).
//!
//! Precedence, highest first: a flag, its variable, its `*_FILE` variable, the config file,
//! the default. Both sources are turned into flags before clap parses the command line for
//! good, so every setting (present and future) gets them without code of its own and clap
//! validates them the same way; [`Resolved::sources`] remembers which came from where, for
//! `casebridge config`.
//!
//! The config file's keys are the flags' long names (`bind`, `database-url`,
//! `transfer-answer-days`; `_` for `-` also works); `KEY-file = "PATH"` reads a value from a file.
//! A key no command knows is an error naming it (a typo would otherwise be ignored); a key
//! another command knows (`bind` for `token`) is left alone.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, CommandFactory};

use super::Cli;
use super::exit;
use crate::error::BoxError;

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(String),
    EnvFile(String),
    ConfigFile(PathBuf),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env(var) => write!(f, "environment {var}"),
            Source::EnvFile(var) => write!(f, "file named by {var}"),
            Source::ConfigFile(path) => write!(f, "config file {}", path.display()),
            Source::Default => f.write_str("default"),
        }
    }
}

/// The command line with the other sources folded in as flags.
#[derive(Debug)]
pub struct Resolved {
    pub args: Vec<OsString>,
    /// Settings (by long flag name) that came from a `*_FILE` variable or the config file.
    pub sources: BTreeMap<String, Source>,
}

/// Folds the config file and `*_FILE` variables into `args` (`env` reads a variable: the
/// process environment, or a map in tests). A command line clap refuses is returned unchanged,
/// for clap to explain.
pub fn resolve(args: Vec<OsString>, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, BoxError> {
    let unchanged = |args| Ok(Resolved { args, sources: BTreeMap::new() });
    // Built, so that each subcommand lists the global settings (`--log-format`) as its own.
    let mut command = Cli::command();
    command.build();
    let Ok(matches) = command.clone().try_get_matches_from(&args) else { return unchanged(args) };
    // The command that runs (`migrate status`, `serve`) and its matches.
    let (mut leaf, mut leaf_matches) = (&command, &matches);
    while let Some((name, sub)) = leaf_matches.subcommand() {
        let Some(next) = leaf.find_subcommand(name) else { break };
        (leaf, leaf_matches) = (next, sub);
    }
    let config_path = leaf_matches.get_one::<PathBuf>("config").cloned();
    let table = match &config_path {
        Some(path) => read_config(path, &command)?,
        None => toml::Table::new(),
    };
    let mut extra = Vec::new();
    let mut sources = BTreeMap::new();
    for arg in leaf.get_arguments() {
        let (Some(long), id) = (arg.get_long(), arg.get_id().as_str()) else { continue };
        if long == "config" || !matches!(leaf_matches.value_source(id), Some(ValueSource::DefaultValue) | None) {
            continue;
        }
        // The setting's own variable wins over its file and the config file.
        if arg.get_env().and_then(|var| var.to_str()).is_some_and(|var| env(var).is_some()) {
            continue;
        }
        let from_env_file = arg.get_env().and_then(|var| var.to_str()).and_then(|var| {
            let file_var = format!("{var}_FILE");
            env(&file_var).map(|path| (file_var, path))
        });
        let (value, source) = if let Some((file_var, path)) = from_env_file {
            let value = read_secret(Path::new(&path)).map_err(|e| exit::settings(format!("{file_var}: {e}")))?;
            (value, Source::EnvFile(file_var))
        } else if let Some(path) = config_path.as_ref().filter(|_| lookup(&table, long).is_some()) {
            let value = lookup(&table, long).map(|(key, v)| config_value(path, key, v));
            match value {
                Some(v) => (v?, Source::ConfigFile(path.clone())),
                None => continue,
            }
        } else {
            continue;
        };
        match arg.get_action() {
            ArgAction::SetTrue if value == "true" => extra.push(OsString::from(format!("--{long}"))),
            ArgAction::SetTrue if value == "false" => {}
            ArgAction::SetTrue => {
                return Err(exit::settings(format!("{long} is true or false, not {value:?} ({source})")));
            }
            _ => extra.push(OsString::from(format!("--{long}={value}"))),
        }
        sources.insert(long.to_string(), source);
    }
    let mut args = args;
    args.extend(extra);
    Ok(Resolved { args, sources })
}

/// The table's value for a flag: `long`, `long` with `_` for `-`, or a `long-file` naming a
/// file that holds it. Returns the key it was found under.
fn lookup<'a>(table: &'a toml::Table, long: &str) -> Option<(String, ConfigValue<'a>)> {
    let underscored = long.replace('-', "_");
    for key in [long.to_string(), underscored.clone()] {
        if let Some(v) = table.get(&key) {
            return Some((key, ConfigValue::Inline(v)));
        }
    }
    for key in [format!("{long}-file"), format!("{underscored}_file")] {
        if let Some(v) = table.get(&key) {
            return Some((key, ConfigValue::File(v)));
        }
    }
    None
}

enum ConfigValue<'a> {
    Inline(&'a toml::Value),
    File(&'a toml::Value),
}

fn config_value(path: &Path, key: String, value: ConfigValue<'_>) -> Result<String, BoxError> {
    let bad = |why: &str| exit::settings(format!("config file {}: {key}: {why}", path.display()));
    match value {
        ConfigValue::Inline(v) => scalar(v).ok_or_else(|| bad("a string, number, boolean or a list of them")),
        ConfigValue::File(v) => {
            let file = v.as_str().ok_or_else(|| bad("a file path"))?;
            // A relative path is relative to the config file.
            let file = path.parent().map_or_else(|| PathBuf::from(file), |dir| dir.join(file));
            read_secret(&file).map_err(|e| bad(&e))
        }
    }
}

fn scalar(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>().map(|v| v.join(",")),
        toml::Value::Datetime(_) | toml::Value::Table(_) => None,
    }
}

/// A secret's file: its text without the trailing newline editors and `echo` add.
fn read_secret(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

/// Every long flag name of every command.
fn known_keys(command: &clap::Command, keys: &mut BTreeSet<String>) {
    for arg in command.get_arguments() {
        if let Some(long) = arg.get_long() {
            keys.insert(long.to_string());
        }
    }
    for sub in command.get_subcommands() {
        known_keys(sub, keys);
    }
}

fn read_config(path: &Path, command: &clap::Command) -> Result<toml::Table, BoxError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| exit::settings(format!("config file {}: {e}", path.display())))?;
    let table: toml::Table =
        text.parse().map_err(|e| exit::settings(format!("config file {}: {e}", path.display()).replace('\n', " ")))?;
    let mut known = BTreeSet::new();
    known_keys(command, &mut known);
    for key in table.keys() {
        let flag = key.replace('_', "-");
        let flag = flag.strip_suffix("-file").filter(|f| known.contains(*f)).unwrap_or(&flag);
        if !known.contains(flag) || flag == "config" {
            return Err(exit::settings(format!(
                "config file {}: unknown setting `{key}` (keys are the flags' long names, as `casebridge config` prints them)",
                path.display()
            )));
        }
    }
    Ok(table)
}

/// Where each of a command's settings came from: `resolved` for the file and `*_FILE`, clap
/// for the rest.
pub fn source_of(matches: &ArgMatches, id: &str, long: &str, env: Option<&str>, resolved: &Resolved) -> Source {
    if let Some(source) = resolved.sources.get(long) {
        return source.clone();
    }
    match matches.value_source(id) {
        Some(ValueSource::CommandLine) => Source::Flag,
        Some(ValueSource::EnvVariable) => Source::Env(env.unwrap_or_default().to_string()),
        _ => Source::Default,
    }
}
