//! Python rules, one file each, and the module facts they share.

pub mod semantic;

crate::register_rules! {
    weak_hash::WeakHash,
}
