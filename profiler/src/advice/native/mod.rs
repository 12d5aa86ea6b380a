//! Recommendations over native profiles (C, C++, Rust: symbol names from the binary).

super::register_recommendations! {
    malloc::MALLOC,
    memcpy::MEMCPY,
}
