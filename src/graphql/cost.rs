//! What a request may cost, decided from the parsed document before any resolver runs.
//!
//! Every field costs 1 plus what it selects; a list multiplies what it selects by the rows it
//! can return: `first`/`last` (or the default page, 20) on a connection, a fixed guess on a
//! plain list. Fields that compute over a whole year or a whole chain carry their own cost
//! ([`EXPENSIVE`]). Aliases and root fields are counted on their own, so a request cannot
//! repeat one cheap field thousands of times. A caller without a token gets a smaller budget.
//! Fragments are costed once each (a fragment spread twenty levels deep costs a lookup, not
//! 2^20 walks) and a fragment that spreads itself is refused.
//!
//! The query text itself is bounded before it is parsed (8 KiB without a token).
//!
//! A refusal is `QUERY_TOO_COMPLEX` naming the limit (`extensions.limit`) and the value.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, Positioned, ServerError, ServerResult, Value, Variables};

use super::context::{AppState, RequestCtx};
use crate::pagination::{DEFAULT_PAGE, MAX_PAGE};

pub use crate::config::Budget;

/// A signed-in caller's budget when none is configured.
pub const SIGNED: Budget = crate::config::Limits::SIGNED;
/// A caller without a token (the public reads `publications`), when none is configured.
pub const ANONYMOUS: Budget = crate::config::Limits::ANONYMOUS;

/// Fields whose resolver does far more than read a row: `(type, field, cost)`.
pub const EXPENSIVE: &[(&str, &str, u64)] = &[
    // Sixty figures over a year of cases, then a Markdown report of them.
    ("Query", "annualReport", 5_000),
    ("Query", "statistics", 2_000),
    // Every page of a list (or the statistics) written to a spreadsheet and stored.
    ("Query", "exportCases", 5_000),
    ("Query", "exportTransfers", 5_000),
    ("Query", "exportStatistics", 5_000),
    ("Subscription", "statisticsUpdated", 2_000),
    // Re-hashes every record of a case.
    ("Query", "verifyRecordChain", 500),
    ("Query", "auditLog", 50),
];

/// Rows assumed for a list that is not paged (a case's officers, a call's departments …).
pub const LIST_GUESS: u64 = 10;

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    TooComplex {
        limit: &'static str,
        max: u64,
        found: u64,
    },
    FragmentCycle(String),
    /// An `Int` argument, written or sent as a variable, out of range or of another type
    /// (`first: 2147483648`).
    BadInt(String),
}

impl Refusal {
    fn into_error(self) -> ServerError {
        let (message, code, limit) = match &self {
            Refusal::TooComplex { limit, max, found } => (
                format!("the query is too complex: its {limit} is {found}, more than the {max} allowed"),
                "QUERY_TOO_COMPLEX",
                Some(*limit),
            ),
            Refusal::FragmentCycle(name) => {
                (format!("fragment `{name}` spreads itself"), "GRAPHQL_VALIDATION_FAILED", None)
            }
            Refusal::BadInt(field) => {
                (format!("{field}: an Int from -2147483648 to 2147483647"), "BAD_USER_INPUT", None)
            }
        };
        let mut err = super::error::coded(message, code);
        let ext = err.extensions.get_or_insert_with(Default::default);
        if let Refusal::BadInt(field) = &self {
            ext.set("field", field.as_str());
        }
        if let Some(limit) = limit {
            ext.set("limit", limit);
        }
        if let Refusal::TooComplex { max, found, .. } = self {
            ext.set("max", max);
            ext.set("found", found);
        }
        err
    }
}

/// What a document asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    pub cost: u64,
    pub root_fields: usize,
    pub aliases: usize,
}

struct Walker<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    defaults: HashMap<&'a str, Value>,
    /// Cost of each fragment's selection (on its own type condition), once computed.
    fragments: HashMap<Name, u64>,
    /// Fragments being walked (a cycle check).
    open: Vec<Name>,
    aliases: usize,
}

impl<'a> Walker<'a> {
    /// A variable's value: as sent, else its default.
    fn var(&self, name: &Name) -> Result<Value, ()> {
        match self.variables.get(name) {
            Some(v) => Ok(v.clone()),
            None => self.defaults.get(name.as_str()).cloned().ok_or(()),
        }
    }

    fn selection_set(&mut self, set: &'a SelectionSet, ty: &str) -> Result<u64, Refusal> {
        let mut total: u64 = 0;
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.alias.is_some() {
                        self.aliases += 1;
                    }
                    let name = field.name.node.as_str();
                    if name == "__typename" {
                        continue;
                    }
                    let meta = self.registry.types.get(ty).and_then(|t| t.field_by_name(name));
                    if let Some(m) = meta {
                        for (arg, value) in &field.arguments {
                            let is_int =
                                m.args.get(arg.node.as_str()).is_some_and(|a| a.ty.trim_end_matches('!') == "Int");
                            let literal = value.node.clone().into_const_with(|n| self.var(&n)).ok();
                            let bad = match literal {
                                Some(Value::Number(n)) => n.as_i64().is_none_or(|i| i32::try_from(i).is_err()),
                                Some(Value::Null) | None => false,
                                Some(_) => true,
                            };
                            if is_int && bad {
                                return Err(Refusal::BadInt(arg.node.to_string()));
                            }
                        }
                    }
                    let (child_ty, is_list) = match meta {
                        Some(m) => {
                            (MetaTypeName::concrete_typename(&m.ty).to_string(), m.ty.trim_start().contains('['))
                        }
                        // Unknown fields are refused by validation; cost what is there.
                        None => (String::new(), false),
                    };
                    let own = EXPENSIVE.iter().find(|(t, f, _)| *t == ty && *f == name).map_or(1, |e| e.2);
                    let paged = field
                        .arguments
                        .iter()
                        .find(|(n, _)| matches!(n.node.as_str(), "first" | "last"))
                        .and_then(|(_, v)| v.node.clone().into_const_with(|name| self.var(&name)).ok())
                        .and_then(|v| count(&v))
                        .map(|n| n.min(MAX_PAGE));
                    let rows = match paged {
                        Some(n) => n,
                        None if child_ty.ends_with("Connection") => DEFAULT_PAGE,
                        // A connection's edges are its page, already counted above.
                        None if is_list && matches!(name, "edges" | "nodes") => 1,
                        None if is_list => LIST_GUESS,
                        None => 1,
                    };
                    let children = if field.selection_set.node.items.is_empty() {
                        0
                    } else {
                        self.selection_set(&field.selection_set.node, &child_ty)?
                    };
                    own.saturating_add(rows.saturating_mul(children))
                }
                Selection::InlineFragment(frag) => {
                    let on = frag.node.type_condition.as_ref().map_or(ty, |c| c.node.on.node.as_str());
                    self.selection_set(&frag.node.selection_set.node, on)?
                }
                Selection::FragmentSpread(spread) => self.fragment(&spread.node.fragment_name.node)?,
            };
            total = total.saturating_add(cost);
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &Name) -> Result<u64, Refusal> {
        if let Some(cost) = self.fragments.get(name) {
            return Ok(*cost);
        }
        if self.open.contains(name) {
            return Err(Refusal::FragmentCycle(name.to_string()));
        }
        // An unknown fragment is refused by validation.
        let Some(def) = self.doc.fragments.get(name) else { return Ok(0) };
        let def: &'a Positioned<FragmentDefinition> = def;
        self.open.push(name.clone());
        let cost = self.selection_set(&def.node.selection_set.node, def.node.type_condition.node.on.node.as_str());
        self.open.pop();
        let cost = cost?;
        self.fragments.insert(name.clone(), cost);
        Ok(cost)
    }
}

/// Measures a parsed document: the costliest of its operations (the one executed is not
/// known yet), the most root fields of one operation, and every alias.
pub fn measure(registry: &Registry, doc: &ExecutableDocument, variables: &Variables) -> Result<Measure, Refusal> {
    let mut walker = Walker {
        registry,
        doc,
        variables,
        defaults: HashMap::new(),
        fragments: HashMap::new(),
        open: Vec::new(),
        aliases: 0,
    };
    // Fragments are walked once each, so their aliases count once, as written.
    let mut out = Measure::default();
    for (_, op) in doc.operations.iter() {
        let root = match op.node.ty {
            async_graphql::parser::types::OperationType::Query => registry.query_type.as_str(),
            async_graphql::parser::types::OperationType::Mutation => {
                registry.mutation_type.as_deref().unwrap_or_default()
            }
            async_graphql::parser::types::OperationType::Subscription => {
                registry.subscription_type.as_deref().unwrap_or_default()
            }
        };
        walker.defaults = op
            .node
            .variable_definitions
            .iter()
            .filter_map(|d| {
                let default = d.node.default_value.as_ref()?;
                Some((d.node.name.node.as_str(), default.node.clone()))
            })
            .collect();
        let roots = count_roots(doc, &op.node.selection_set.node, &mut Vec::new());
        let cost = walker.selection_set(&op.node.selection_set.node, root)?;
        out.cost = out.cost.max(cost);
        out.root_fields = out.root_fields.max(roots);
    }
    out.aliases = walker.aliases;
    Ok(out)
}

/// A page size as a count (a negative one is refused by the resolver; it costs nothing).
fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_i64().map(|i| i.max(0) as u64)),
        _ => None,
    }
}

/// Root fields of an operation, fragments included (cycles are refused by the cost walk).
fn count_roots<'a>(doc: &'a ExecutableDocument, set: &'a SelectionSet, open: &mut Vec<&'a str>) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => count_roots(doc, &f.node.selection_set.node, open),
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.as_str();
                if open.contains(&name) {
                    return 0;
                }
                let Some(def) = doc.fragments.get(&s.node.fragment_name.node) else { return 0 };
                open.push(name);
                let n = count_roots(doc, &def.node.selection_set.node, open);
                open.pop();
                n
            }
        })
        .sum()
}

/// A fragment that spreads itself, directly or through others, read from the text (the
/// parser refuses such a document before there is a tree to walk).
pub fn fragment_cycle(query: &str) -> Option<String> {
    let chars: Vec<char> = query.chars().collect();
    let ident = |from: usize| -> (String, usize) {
        let mut end = from;
        while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
            end += 1;
        }
        (chars[from..end].iter().collect(), end)
    };
    let skip_ws = |mut i: usize| {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
            i += 1;
        }
        i
    };
    let mut spreads: HashMap<String, Vec<String>> = HashMap::new();
    let mut i = 0;
    while i < chars.len() {
        let (word, end) = ident(i);
        if word.is_empty() {
            i += 1;
            continue;
        }
        if word != "fragment" || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) {
            i = end;
            continue;
        }
        let (name, after) = ident(skip_ws(end));
        let Some(open) = (after..chars.len()).find(|&k| chars[k] == '{') else { break };
        let (mut depth, mut k) = (0usize, open);
        let mut used = Vec::new();
        while k < chars.len() {
            match chars[k] {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                '.' if chars[k..].starts_with(&['.', '.', '.']) => {
                    let (target, e) = ident(skip_ws(k + 3));
                    if !target.is_empty() && target != "on" {
                        used.push(target);
                    }
                    k = e.max(k + 3);
                    continue;
                }
                _ => {}
            }
            k += 1;
        }
        spreads.insert(name, used);
        i = k + 1;
    }
    fn reaches(from: &str, goal: &str, spreads: &HashMap<String, Vec<String>>, seen: &mut Vec<String>) -> bool {
        for next in spreads.get(from).into_iter().flatten() {
            if next == goal {
                return true;
            }
            if !seen.contains(next) {
                seen.push(next.clone());
                if reaches(next, goal, spreads, seen) {
                    return true;
                }
            }
        }
        false
    }
    let mut names: Vec<&String> = spreads.keys().collect();
    names.sort();
    names.into_iter().find(|n| reaches(n, n, &spreads, &mut Vec::new())).cloned()
}

/// Whether a document asks for `__schema` or `__type` anywhere.
fn introspects(doc: &ExecutableDocument) -> bool {
    fn set(s: &SelectionSet) -> bool {
        s.items.iter().any(|i| match &i.node {
            Selection::Field(f) => {
                matches!(f.node.name.node.as_str(), "__schema" | "__type") || set(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => set(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    doc.operations.iter().any(|(_, op)| set(&op.node.selection_set.node))
        || doc.fragments.values().any(|f| set(&f.node.selection_set.node))
}

/// The first expensive root field (all of them need a signed caller) that `doc` asks for,
/// looking through root-level fragments.
fn expensive_root_field(doc: &ExecutableDocument) -> Option<String> {
    fn set(doc: &ExecutableDocument, s: &SelectionSet, ty: &str, depth: usize) -> Option<String> {
        s.items.iter().find_map(|i| match &i.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                EXPENSIVE.iter().any(|(t, n, _)| *t == ty && *n == name).then(|| name.to_string())
            }
            Selection::InlineFragment(f) => set(doc, &f.node.selection_set.node, ty, depth),
            Selection::FragmentSpread(spread) if depth < 8 => doc
                .fragments
                .get(&spread.node.fragment_name.node)
                .and_then(|f| set(doc, &f.node.selection_set.node, ty, depth + 1)),
            Selection::FragmentSpread(_) => None,
        })
    }
    doc.operations.iter().find_map(|(_, op)| {
        let ty = match op.node.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        set(doc, &op.node.selection_set.node, ty, 0)
    })
}

/// Refuses a measure over its budget, naming the first limit passed.
pub fn check(m: &Measure, budget: &Budget) -> Result<(), Refusal> {
    if m.root_fields > budget.root_fields {
        return Err(Refusal::TooComplex {
            limit: "rootFields",
            max: budget.root_fields as u64,
            found: m.root_fields as u64,
        });
    }
    if m.aliases > budget.aliases {
        return Err(Refusal::TooComplex { limit: "aliases", max: budget.aliases as u64, found: m.aliases as u64 });
    }
    if m.cost > budget.cost {
        return Err(Refusal::TooComplex { limit: "cost", max: budget.cost, found: m.cost });
    }
    Ok(())
}

/// The extension: measures each parsed document against the caller's budget.
pub struct CostLimits;

impl ExtensionFactory for CostLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimitsExtension)
    }
}

struct CostLimitsExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for CostLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let signed = ctx.data_opt::<RequestCtx>().is_some_and(|r| r.principal.is_some());
        // The configured budgets (`Settings.limits`); the defaults where the schema runs without
        // a server (`casebridge schema`, unit tests).
        let limits = ctx.data_opt::<AppState>().map(|s| s.settings.limits).unwrap_or_default();
        let budget = if signed { limits.signed } else { limits.anonymous };
        if query.len() > budget.query_bytes {
            let (max, found) = (budget.query_bytes as u64, query.len() as u64);
            return Err(Refusal::TooComplex { limit: "queryBytes", max, found }.into_error());
        }
        let doc = match next.run(ctx, query, variables).await {
            Ok(doc) => doc,
            // The parser stops at a nesting depth of 32, which a fragment cycle reaches too.
            Err(e) if e.message.contains("recursion depth") => {
                return Err(match fragment_cycle(query) {
                    Some(name) => Refusal::FragmentCycle(name),
                    None => Refusal::TooComplex { limit: "depth", max: 32, found: 33 },
                }
                .into_error());
            }
            Err(e) => return Err(e),
        };
        if introspects(&doc) {
            let enabled = ctx.data_opt::<AppState>().is_none_or(|s| s.settings.introspection);
            let refusal = match (enabled, signed) {
                (false, _) => Some(("GRAPHQL_VALIDATION_FAILED", "introspection is off on this server")),
                (true, false) => Some(("UNAUTHENTICATED", "introspection needs a token")),
                (true, true) => None,
            };
            if let Some((code, message)) = refusal {
                return Err(super::error::coded(message, code));
            }
        }
        // Every expensive field needs a token: say so, rather than that it costs too much.
        if !signed && let Some(field) = expensive_root_field(&doc) {
            return Err(super::error::coded(format!("{field} needs a token"), "UNAUTHENTICATED"));
        }
        measure(&ctx.schema_env.registry, &doc, variables)
            .and_then(|m| check(&m, &budget))
            .map_err(Refusal::into_error)?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusal of `query` for a caller without a token: `(limit, found)`, or `None` when
    /// the budget let it through (its resolvers then fail without a database, which is fine).
    async fn refusal(query: &str) -> Option<(String, u64)> {
        refusal_for(query, None).await
    }

    /// A dashboard's principal: signed, so the signed budget applies.
    fn dashboard() -> std::sync::Arc<crate::auth::Principal> {
        std::sync::Arc::new(crate::auth::Principal {
            user_id: uuid::Uuid::nil(),
            login: "dashboard".into(),
            name: "大屏".into(),
            department_id: uuid::Uuid::nil(),
            department_kind: entity::enums::DepartmentKind::Bureau,
            town: None,
            roles: vec![entity::enums::Role::Dashboard],
            client_addr: None,
        })
    }

    async fn refusal_for(
        query: &str,
        principal: Option<std::sync::Arc<crate::auth::Principal>>,
    ) -> Option<(String, u64)> {
        let schema = crate::graphql::build_schema(None);
        let request = async_graphql::Request::new(query).data(RequestCtx {
            principal,
            today: chrono::NaiveDate::default(),
            client_addr: None,
        });
        let response = schema.execute(request).await;
        let err = response.errors.first()?;
        let ext = err.extensions.as_ref()?;
        let code = ext.get("code").cloned();
        if code == Some(async_graphql::Value::from("GRAPHQL_VALIDATION_FAILED")) && err.message.contains("spreads") {
            return Some(("cycle".into(), 0));
        }
        if code == Some(async_graphql::Value::from("UNAUTHENTICATED")) {
            return Some(("token".into(), 0));
        }
        let limit = match ext.get("limit")? {
            async_graphql::Value::String(s) => s.clone(),
            _ => return None,
        };
        let found = match ext.get("found")? {
            async_graphql::Value::Number(n) => n.as_u64()?,
            _ => return None,
        };
        Some((limit, found))
    }

    fn repeat(n: usize, field: &str) -> String {
        let body: String = (0..n).map(|i| format!("a{i}: {field} ")).collect();
        format!("{{ {body} }}")
    }

    #[tokio::test]
    async fn a_page_multiplies_what_it_selects() {
        // publications 1 + 100 × (edges 1 + 1 × (cursor 1 + node 1 + 1 × id 1)) = 401, five
        // times (within the anonymous root-field limit) under the anonymous budget.
        let page = "publications(first: 100) { edges { cursor node { id } } }";
        assert_eq!(refusal(&repeat(5, page)).await, None);
        let q = format!("{{ a: {page} b: {page} c: {page} d: {page} e: {page} }}");
        assert_eq!(refusal(&q).await, None, "2,005 is within 2,500");
        let big = "publications(first: 100) { edges { cursor node { id publishedAt } } }";
        assert_eq!(refusal(&repeat(5, big)).await, Some(("cost".into(), 5 * (1 + 100 * 5))));
        // No `first`: the default page.
        let small = "publications { edges { cursor node { id publishedAt } } }";
        assert_eq!(refusal(&repeat(5, small)).await, None);
    }

    #[tokio::test]
    async fn an_alias_bomb_is_refused_before_anything_runs() {
        let bomb = repeat(6000, "publications(first: 100) { edges { cursor } }");
        assert_eq!(refusal(&bomb).await, Some(("queryBytes".into(), bomb.len() as u64)));
        let roots = repeat(6, "publications(first: 1) { edges { cursor } }");
        assert_eq!(refusal(&roots).await, Some(("rootFields".into(), 6)));
        let nested = "{ publications(first: 1) { edges { a0: cursor a1: cursor a2: cursor a3: cursor a4: cursor \
             a5: cursor a6: cursor a7: cursor a8: cursor a9: cursor a10: cursor } } }";
        assert_eq!(refusal(nested).await, Some(("aliases".into(), 11)));
    }

    #[tokio::test]
    async fn expensive_fields_carry_their_cost() {
        // Over the signed budget (20,000) by their own cost alone.
        let reports = repeat(5, "annualReport(year: 2023)");
        assert_eq!(refusal_for(&reports, Some(dashboard())).await, Some(("cost".into(), 25_000)));
        let statistics = repeat(11, "statistics(year: 2023) { finesTotal }");
        assert_eq!(refusal_for(&statistics, Some(dashboard())).await, Some(("cost".into(), 22_011)));
        // Without a token they are refused for that, before their cost is weighed.
        assert_eq!(refusal(&repeat(1, "annualReport(year: 2023)")).await, Some(("token".into(), 0)));
    }

    #[tokio::test]
    async fn fragments_are_costed_once_and_cycles_refused() {
        let mut q = String::from(
            "{ publications(first: 100) { edges { node { ...f0 } } } } fragment f20 on Publication { id }",
        );
        for i in 0..20 {
            q.push_str(&format!(" fragment f{i} on Publication {{ ...f{n} ...f{n} }}", n = i + 1));
        }
        // 2^20 leaves: costed by memo, not walked 2^20 times, and refused.
        let (limit, found) = refusal(&q).await.expect("refused");
        assert_eq!((limit.as_str(), found), ("cost", 1 + 100 * (2 + (1 << 20))));
        let cyc = "{ publications { edges { node { ...a } } } } fragment a on Publication { ...b } \
                   fragment b on Publication { ...a }";
        assert_eq!(refusal(cyc).await, Some(("cycle".into(), 0)));
    }

    /// A random nesting of connections, lists and aliases.
    fn nested(depth: u32) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![Just("id".to_string()), Just("title".to_string()), Just("__typename".to_string())];
        leaf.prop_recursive(depth, 64, 4, |inner| {
            (proptest::collection::vec(inner, 1..4), 0u32..150, proptest::bool::ANY).prop_map(|(children, first, alias)| {
                let body = children.join(" ");
                let alias = if alias { "x: " } else { "" };
                format!("{alias}edges {{ node {{ {body} }} }} pageInfo {{ hasNextPage }} totalCount first{first}: __typename")
            })
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Any document the parser accepts is measured without panicking, and a page costs
        /// no less than the same selection on a smaller page (the model is monotonic in `first`).
        #[test]
        fn the_cost_model_is_total_and_monotonic(body in nested(3), small in 0u32..50, extra in 0u32..50) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let q = |n: u32| format!("{{ publications(first: {n}) {{ {body} }} }}");
            let found = |q: String| rt.block_on(refusal(&q)).map(|(_, f)| f);
            let (a, b) = (found(q(small)), found(q(small + extra)));
            if let (Some(a), Some(b)) = (a, b) {
                proptest::prop_assert!(a <= b, "{a} > {b}");
            }
        }
    }
}
