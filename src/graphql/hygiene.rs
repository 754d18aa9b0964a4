//! Input hygiene in one place, for every string a client sends (variables and literals alike),
//! before any resolver sees it:
//!
//! - NUL and the other control characters (C0 but tab, line feed and carriage return; DEL;
//!   C1) are refused `BAD_USER_INPUT` naming the field. PostgreSQL refuses NUL in text and
//!   SQLite stores it, so without this the two backends answered differently;
//! - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make a title
//!   read differently from what it stores, are removed;
//! - text is normalised to NFC, so `é` typed two ways is stored, searched and compared as one.
//!
//! The field is named as the client wrote it: the path inside a mutation's `input`
//! (`party.name`), otherwise the argument or variable and its path (`filter.search`).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, ServerError, ServerResult, Variables};
use async_graphql_value::{ConstValue, Value};
use unicode_normalization::UnicodeNormalization;

/// Why a string is refused.
fn refused(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        let u = c as u32;
        (u < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || (0x7f..=0x9f).contains(&u)
    })
}

fn is_bidi_control(c: char) -> bool {
    matches!(c as u32, 0x202A..=0x202E | 0x2066..=0x2069)
}

/// The cleaned text, or the control character that refuses it.
pub fn clean(text: &str) -> Result<Option<String>, char> {
    if let Some(c) = refused(text) {
        return Err(c);
    }
    let needs = text.chars().any(is_bidi_control) || !unicode_normalization::is_nfc(text);
    Ok(needs.then(|| text.chars().filter(|c| !is_bidi_control(*c)).nfc().collect()))
}

fn bad(path: &[String], c: char) -> ServerError {
    let joined = path.join(".");
    let field = super::error::field(&joined);
    let mut err = super::error::coded(
        format!("{field}: control character U+{:04X} is not allowed in text", c as u32),
        "BAD_USER_INPUT",
    );
    if let Some(ext) = err.extensions.as_mut() {
        ext.set("field", field);
    }
    err
}

fn clean_const(v: &mut ConstValue, path: &mut Vec<String>) -> Result<(), ServerError> {
    match v {
        ConstValue::String(s) => {
            if let Some(cleaned) = clean(s).map_err(|c| bad(path, c))? {
                *s = cleaned;
            }
        }
        ConstValue::List(items) => {
            for item in items {
                clean_const(item, path)?;
            }
        }
        ConstValue::Object(map) => {
            for (k, item) in map.iter_mut() {
                path.push(k.to_string());
                clean_const(item, path)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

fn clean_value(v: &mut Value, path: &mut Vec<String>) -> Result<(), ServerError> {
    match v {
        Value::String(s) => {
            if let Some(cleaned) = clean(s).map_err(|c| bad(path, c))? {
                *s = cleaned;
            }
        }
        Value::List(items) => {
            for item in items {
                clean_value(item, path)?;
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                path.push(k.to_string());
                clean_value(item, path)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

fn clean_set(set: &mut SelectionSet) -> Result<(), ServerError> {
    for item in &mut set.items {
        match &mut item.node {
            Selection::Field(field) => {
                for (name, value) in &mut field.node.arguments {
                    let mut path = vec![name.node.to_string()];
                    clean_value(&mut value.node, &mut path)?;
                }
                clean_set(&mut field.node.selection_set.node)?;
            }
            Selection::InlineFragment(f) => clean_set(&mut f.node.selection_set.node)?,
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

/// Cleans every literal argument of a parsed document.
pub fn clean_document(doc: &mut ExecutableDocument) -> Result<(), ServerError> {
    match &mut doc.operations {
        DocumentOperations::Single(op) => clean_set(&mut op.node.selection_set.node)?,
        DocumentOperations::Multiple(ops) => {
            for op in ops.values_mut() {
                clean_set(&mut op.node.selection_set.node)?;
            }
        }
    }
    for fragment in doc.fragments.values_mut() {
        clean_set(&mut fragment.node.selection_set.node)?;
    }
    Ok(())
}

/// Cleans every variable of a request.
pub fn clean_variables(variables: &mut Variables) -> Result<(), ServerError> {
    for (name, value) in variables.iter_mut() {
        let mut path = vec![name.to_string()];
        clean_const(value, &mut path)?;
    }
    Ok(())
}

/// The extension.
pub struct InputHygiene;

impl ExtensionFactory for InputHygiene {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputHygieneExtension)
    }
}

struct InputHygieneExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for InputHygieneExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        clean_variables(&mut request.variables)?;
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let mut doc = next.run(ctx, query, variables).await?;
        clean_document(&mut doc)?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_layout_kept() {
        assert_eq!(clean("a\u{0}b"), Err('\u{0}'));
        assert_eq!(clean("a\u{1b}[31m"), Err('\u{1b}'));
        assert_eq!(clean("a\u{85}"), Err('\u{85}'));
        assert_eq!(clean("第一行\n第二行\t完"), Ok(None), "multi-line text as it is");
    }

    #[test]
    fn bidi_overrides_go_and_text_becomes_nfc() {
        assert_eq!(clean("违法\u{202E}建筑"), Ok(Some("违法建筑".to_string())));
        assert_eq!(clean("\u{2066}x\u{2069}"), Ok(Some("x".to_string())));
        assert_eq!(clean("Cafe\u{301}"), Ok(Some("Café".to_string())));
        assert_eq!(clean("已是 NFC"), Ok(None));
    }

    #[test]
    fn the_field_is_the_path_inside_the_input() {
        let mut vars = Variables::from_json(serde_json::json!({
            "input": { "party": { "name": "张\u{0}三" } }
        }));
        let err = clean_variables(&mut vars).expect_err("refused");
        let field = err.extensions.as_ref().and_then(|e| e.get("field")).cloned();
        assert_eq!(field, Some(ConstValue::from("party.name")));
    }
}
