//! Constant folding for conditions and values, so the analysis follows only the branch a
//! constant condition selects: `(7 * 18 + num > 200) ? "safe" : param` with `num` a local
//! constant picks `"safe"`.
//!
//! Integers fold with checked arithmetic; anything that would overflow, divide by zero or
//! mix types is simply not a constant.

/// A value known at analysis time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Const {
    Int(i64),
    Bool(bool),
    Str(String),
}

impl Const {
    /// Truthiness, as both languages use it in conditions.
    pub fn truthy(&self) -> bool {
        match self {
            Const::Int(i) => *i != 0,
            Const::Bool(b) => *b,
            Const::Str(s) => !s.is_empty(),
        }
    }
}

/// `a + b`: integer addition or string concatenation (a string with anything concatenates).
pub fn add(a: &Const, b: &Const) -> Option<Const> {
    match (a, b) {
        (Const::Int(x), Const::Int(y)) => x.checked_add(*y).map(Const::Int),
        (Const::Str(x), other) => Some(Const::Str(format!("{x}{}", render(other)))),
        (other, Const::Str(y)) => Some(Const::Str(format!("{}{y}", render(other)))),
        _ => None,
    }
}

fn render(c: &Const) -> String {
    match c {
        Const::Int(i) => i.to_string(),
        Const::Bool(b) => b.to_string(),
        Const::Str(s) => s.clone(),
    }
}

/// A binary operator over constants, by its source spelling in either language.
pub fn binary(op: &str, a: &Const, b: &Const) -> Option<Const> {
    use Const::{Bool, Int, Str};
    Some(match (op, a, b) {
        ("+", _, _) => return add(a, b),
        ("-", Int(x), Int(y)) => Int(x.checked_sub(*y)?),
        ("*", Int(x), Int(y)) => Int(x.checked_mul(*y)?),
        ("/" | "//", Int(x), Int(y)) => Int(x.checked_div(*y)?),
        ("%", Int(x), Int(y)) => Int(x.checked_rem(*y)?),
        ("&", Int(x), Int(y)) => Int(x & y),
        ("|", Int(x), Int(y)) => Int(x | y),
        ("^", Int(x), Int(y)) => Int(x ^ y),
        ("<<", Int(x), Int(y)) => Int(x.checked_shl(u32::try_from(*y).ok()?)?),
        (">>", Int(x), Int(y)) => Int(x.checked_shr(u32::try_from(*y).ok()?)?),
        ("<", Int(x), Int(y)) => Bool(x < y),
        ("<=", Int(x), Int(y)) => Bool(x <= y),
        (">", Int(x), Int(y)) => Bool(x > y),
        (">=", Int(x), Int(y)) => Bool(x >= y),
        ("==", _, _) => Bool(a == b),
        ("!=", _, _) => Bool(a != b),
        ("&&" | "and", Bool(x), Bool(y)) => Bool(*x && *y),
        ("||" | "or", Bool(x), Bool(y)) => Bool(*x || *y),
        ("<", Str(x), Str(y)) => Bool(x < y),
        (">", Str(x), Str(y)) => Bool(x > y),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_comparisons_fold() {
        let n = Const::Int(86);
        let left = binary(
            "+",
            &binary("*", &Const::Int(7), &Const::Int(18)).unwrap(),
            &n,
        )
        .unwrap();
        assert_eq!(
            binary(">", &left, &Const::Int(200)),
            Some(Const::Bool(true))
        );
        assert_eq!(binary("/", &Const::Int(1), &Const::Int(0)), None);
        assert_eq!(
            add(&Const::Str("a".into()), &Const::Int(1)),
            Some(Const::Str("a1".into()))
        );
    }
}
