//! Percentiles and the Markdown figures.

/// A distribution of durations in microseconds (signed: a subscriber may receive an event
/// before the mutation's response reaches the client that sent it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub p50: i64,
    pub p95: i64,
    pub p99: i64,
    pub max: i64,
}

/// The value at quantile `q` by the nearest-rank method.
fn rank(sorted: &[i64], q: f64) -> i64 {
    let idx = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

pub fn summarize(mut values: Vec<i64>) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(Summary {
        n: values.len(),
        p50: rank(&values, 0.50),
        p95: rank(&values, 0.95),
        p99: rank(&values, 0.99),
        max: values[values.len() - 1],
    })
}

/// Microseconds as milliseconds with two decimals.
pub fn ms(us: i64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

/// `a / b` (one decimal, two below 1), or a dash when `b` is not positive.
pub fn ratio(a: f64, b: f64) -> String {
    match a / b {
        _ if b <= 0.0 => "–".into(),
        r if r < 1.0 => format!("{r:.2}×"),
        r => format!("{r:.1}×"),
    }
}

pub fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// 10000 → "10,000".
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s = summarize((1..=100).collect()).expect("values");
        assert_eq!((s.n, s.p50, s.p95, s.p99, s.max), (100, 50, 95, 99, 100));
        let one = summarize(vec![7]).expect("one value");
        assert_eq!((one.p50, one.p99, one.max), (7, 7, 7));
        assert!(summarize(Vec::new()).is_none());
    }

    #[test]
    fn figures_read_as_in_the_report() {
        assert_eq!(count(10_000), "10,000");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(ms(1_234), "1.23");
        assert_eq!(ratio(3.0, 2.0), "1.5×");
        assert_eq!(ratio(1.0, 0.0), "–");
        assert_eq!(ratio(25.0, 857.0), "0.03×");
    }
}
