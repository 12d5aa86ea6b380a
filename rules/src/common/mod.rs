//! Logic shared by the Java and Python versions of a rule, so both judge alike.

pub mod secrets;
