//! Java rules, one file each, and the compilation-unit facts they share.

pub mod semantic;

crate::register_rules! {
    weak_hash::WeakHash,
}
