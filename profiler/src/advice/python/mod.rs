//! Recommendations over Python profiles (py-spy stacks: `function (package/module.py)`).

super::register_recommendations! {
    regex_compile::REGEX_COMPILE,
}
