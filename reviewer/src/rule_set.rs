//! A set of catalogue rules, as a bit set over catalogue positions.
//!
//! Configuration produces one per file (after `select`, `ignore` and per-file ignores);
//! files with equal sets share one engine.

use argus_rules::{Rule, catalogue};

/// A set of rules from [`argus_rules::catalogue`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct RuleSet {
    bits: Vec<u64>,
}

impl RuleSet {
    /// Every rule in the catalogue.
    pub fn all() -> RuleSet {
        RuleSet::from_predicate(|_| true)
    }

    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// The rules for which `keep` holds.
    pub fn from_predicate(mut keep: impl FnMut(&'static dyn Rule) -> bool) -> RuleSet {
        let mut set = RuleSet::empty();
        for (i, rule) in catalogue().iter().enumerate() {
            if keep(*rule) {
                set.insert_index(i);
            }
        }
        set
    }

    fn insert_index(&mut self, i: usize) {
        let (word, bit) = (i / 64, i % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    fn remove_index(&mut self, i: usize) {
        if let Some(word) = self.bits.get_mut(i / 64) {
            *word &= !(1 << (i % 64));
        }
    }

    fn has_index(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Adds the rules for which `pick` holds.
    pub fn insert_where(&mut self, mut pick: impl FnMut(&'static dyn Rule) -> bool) {
        for (i, rule) in catalogue().iter().enumerate() {
            if pick(*rule) {
                self.insert_index(i);
            }
        }
    }

    /// Removes the rules for which `pick` holds.
    pub fn remove_where(&mut self, mut pick: impl FnMut(&'static dyn Rule) -> bool) {
        for (i, rule) in catalogue().iter().enumerate() {
            if pick(*rule) {
                self.remove_index(i);
            }
        }
        *self = std::mem::take(self).normalized();
    }

    /// Whether the rule with this id is in the set.
    pub fn contains(&self, id: &str) -> bool {
        catalogue()
            .iter()
            .position(|r| r.meta().id == id)
            .is_some_and(|i| self.has_index(i))
    }

    /// The rules in the set, in catalogue order.
    pub fn rules(&self) -> impl Iterator<Item = &'static dyn Rule> + '_ {
        catalogue()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.has_index(*i))
            .map(|(_, r)| *r)
    }

    /// The union of two sets.
    pub fn union(&self, other: &RuleSet) -> RuleSet {
        let len = self.bits.len().max(other.bits.len());
        let bits = (0..len)
            .map(|i| {
                self.bits.get(i).copied().unwrap_or(0) | other.bits.get(i).copied().unwrap_or(0)
            })
            .collect();
        RuleSet { bits }.normalized()
    }

    /// The rules of `self` that are not in `other`.
    pub fn difference(&self, other: &RuleSet) -> RuleSet {
        let bits = self
            .bits
            .iter()
            .enumerate()
            .map(|(i, w)| w & !other.bits.get(i).copied().unwrap_or(0))
            .collect();
        RuleSet { bits }.normalized()
    }

    fn normalized(mut self) -> RuleSet {
        while self.bits.last() == Some(&0) {
            self.bits.pop();
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sets_compare_equal_however_they_were_built() {
        let mut a = RuleSet::all();
        a.remove_where(|_| true);
        assert_eq!(a, RuleSet::empty());
        assert!(a.is_empty());

        let only_py = RuleSet::from_predicate(|r| r.meta().id == "py-weak-hash");
        let mut b = RuleSet::all();
        b.remove_where(|r| r.meta().id != "py-weak-hash");
        assert_eq!(only_py, b);
        assert!(b.contains("py-weak-hash") && !b.contains("java-weak-hash"));
    }

    #[test]
    fn union_and_difference_are_set_operations() {
        let java = RuleSet::from_predicate(|r| r.meta().id.starts_with("java-"));
        let python = RuleSet::from_predicate(|r| r.meta().id.starts_with("py-"));
        let both = java.union(&python);
        assert_eq!(both.difference(&python), java);
        assert_eq!(both.difference(&both), RuleSet::empty());
        assert_eq!(
            both.rules().count(),
            java.rules().count() + python.rules().count()
        );
    }
}
