//! Recommendations over Java profiles (JFR stacks: `package.Class.method`).

super::register_recommendations! {
    pattern_compile::PATTERN_COMPILE,
}
