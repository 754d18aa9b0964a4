//! Small SQL building blocks shared by the rooms.

use sea_orm::sea_query::{Condition, Expr, LikeExpr};

/// A condition that matches no row (an empty `Condition::any()` is not reliably false).
pub fn never() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

/// `%`, `_` and `\` of user text match literally.
fn escape_like(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// `LIKE '%text%'` over a lowercased column (searches store lowercased text, since `lower()`
/// and `ILIKE` differ between SQLite and PostgreSQL).
pub fn contains(text: &str) -> LikeExpr {
    let mut pattern = String::from("%");
    escape_like(&text.to_lowercase(), &mut pattern);
    pattern.push('%');
    LikeExpr::new(pattern).escape('\\')
}

/// `LIKE 'prefix%'`, case as given.
pub fn starts_with(prefix: &str) -> LikeExpr {
    let mut pattern = String::new();
    escape_like(prefix, &mut pattern);
    pattern.push('%');
    LikeExpr::new(pattern).escape('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_user_text_are_literal() {
        let mut out = String::new();
        escape_like(r"50%_a\b", &mut out);
        assert_eq!(out, r"50\%\_a\\b");
    }
}
