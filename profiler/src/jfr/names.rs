//! Java frame names as people read them: `com.acme.Service.handle`.
//!
//! JFR stores class names in the JVM's internal form (`com/acme/Service`) and keeps the
//! per-run parts of generated classes: lambda counters, hidden-class addresses, reflection
//! accessor and proxy numbers. Those differ between runs and between JVMs of one service,
//! so they would split one function into many frames and break profile diffs; they are
//! cut here.

/// The frame name for `method` of the class `class`, in internal (`a/b/C`) or binary
/// (`a.b.C`) form: `Foo$$Lambda$123/0x0000000800c0b448` and `run` give `Foo$$Lambda.run`.
pub fn java_frame_name(class: &str, method: &str) -> String {
    let class = normalize_class_name(class);
    if class.is_empty() {
        return method.to_string();
    }
    format!("{class}.{method}")
}

/// A class name in binary form with run-specific suffixes removed:
///
/// - hidden classes lose their address: `Foo$$Lambda/0x0000000800c0b448` → `Foo$$Lambda`;
/// - lambda classes lose their counter: `Foo$$Lambda$123` → `Foo$$Lambda`;
/// - reflection accessors and proxies lose their number:
///   `jdk.internal.reflect.GeneratedMethodAccessor17` →
///   `jdk.internal.reflect.GeneratedMethodAccessor`, `$Proxy12` → `$Proxy`;
/// - CGLIB, ByteBuddy, Mockito and Hibernate classes lose their hash:
///   `Foo$$SpringCGLIB$$0` → `Foo$$SpringCGLIB`.
pub fn normalize_class_name(name: &str) -> String {
    let mut name = strip_hidden_address(name).replace('/', ".");
    if let Some(at) = name.find("$$Lambda") {
        let after = at + "$$Lambda".len();
        if let Some(rest) = name[after..].strip_prefix('$')
            && is_number(rest)
        {
            name.truncate(after);
        }
    }
    let simple_start = name.rfind('.').map_or(0, |i| i + 1);
    let simple = &name[simple_start..];
    let numbered = simple.strip_prefix("$Proxy").is_some_and(is_number)
        || (simple.starts_with("Generated")
            && simple.ends_with(is_digit)
            && simple.trim_end_matches(is_digit).ends_with("Accessor"));
    if numbered {
        let keep = name.trim_end_matches(is_digit).len();
        name.truncate(keep);
    }
    // `Foo$$EnhancerBySpringCGLIB$$1a2b3c4d`, `Foo$$SpringCGLIB$$0`.
    if let Some(at) = name.rfind("$$")
        && at > 0
        && is_hex(&name[at + 2..])
    {
        name.truncate(at);
    }
    // `Foo$ByteBuddy$AbCd1234`, `Foo$MockitoMock$123`, `Foo$HibernateProxy$AbCd`.
    for marker in ["$ByteBuddy$", "$MockitoMock$", "$HibernateProxy$"] {
        if let Some(at) = name.find(marker) {
            let tail = &name[at + marker.len()..];
            if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_alphanumeric()) {
                name.truncate(at + marker.len() - 1);
            }
        }
    }
    name
}

/// The source file javac would have compiled a class from: the package path and the
/// outermost class, `com/acme/Service$Inner` → `com/acme/Service.java`. JFR records no
/// source files; this convention holds for Java sources, so it is `None` for generated
/// classes, which have no source, and may be wrong for other JVM languages.
pub fn conventional_source_file(class: &str) -> Option<String> {
    let normalized = normalize_class_name(class);
    if normalized.is_empty()
        || normalized.contains("$$")
        || class.contains("/0x")
        || normalized != strip_hidden_address(class).replace('/', ".")
    {
        return None;
    }
    let (package, simple) = match normalized.rfind('.') {
        Some(i) => (&normalized[..i], &normalized[i + 1..]),
        None => ("", normalized.as_str()),
    };
    let outer = simple.split('$').next().filter(|s| !s.is_empty())?;
    if package.is_empty() {
        Some(format!("{outer}.java"))
    } else {
        Some(format!("{}/{outer}.java", package.replace('.', "/")))
    }
}

/// `Foo$$Lambda$14/0x0000000800c03000` → `Foo$$Lambda$14`: a hidden class's name ends in
/// `/0x` and its address. JDK 17's recordings spell it `+0x` and may add the class's
/// identity hash: `Foo$$Lambda$2+0x00007f0970000c28/2124308362`.
fn strip_hidden_address(name: &str) -> &str {
    for marker in ["/0x", "+0x"] {
        if let Some(at) = name.rfind(marker) {
            let rest = &name[at + marker.len()..];
            let (address, hash) = rest.split_once(['.', '/']).unwrap_or((rest, ""));
            if is_hex(address) && (hash.is_empty() || is_number(hash)) {
                return &name[..at];
            }
        }
    }
    name
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_digit)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_names_read_as_binary_names() {
        assert_eq!(
            java_frame_name("com/acme/Service", "handle"),
            "com.acme.Service.handle"
        );
        assert_eq!(
            java_frame_name("com.acme.Service$Inner", "run"),
            "com.acme.Service$Inner.run"
        );
        assert_eq!(java_frame_name("", "main"), "main");
    }

    #[test]
    fn lambda_counters_and_hidden_class_addresses_are_cut() {
        assert_eq!(
            java_frame_name("Foo$$Lambda$123/0x0000000800c0b448", "run"),
            "Foo$$Lambda.run"
        );
        assert_eq!(
            normalize_class_name("com/acme/Foo$$Lambda/0x000001e4c1003a00"),
            "com.acme.Foo$$Lambda"
        );
        assert_eq!(normalize_class_name("Foo$$Lambda$7"), "Foo$$Lambda");
        assert_eq!(
            java_frame_name("HalfWaiting$$Lambda$2+0x00007f0970000c28/2124308362", "run"),
            "HalfWaiting$$Lambda.run"
        );
        assert_eq!(
            normalize_class_name("java/lang/invoke/LambdaForm$MH/0x0000000800c0c000"),
            "java.lang.invoke.LambdaForm$MH"
        );
    }

    #[test]
    fn reflection_accessors_and_proxies_lose_their_numbers() {
        assert_eq!(
            normalize_class_name("jdk.internal.reflect.GeneratedMethodAccessor17"),
            "jdk.internal.reflect.GeneratedMethodAccessor"
        );
        assert_eq!(
            normalize_class_name("jdk/internal/reflect/GeneratedConstructorAccessor3"),
            "jdk.internal.reflect.GeneratedConstructorAccessor"
        );
        assert_eq!(normalize_class_name("$Proxy12"), "$Proxy");
        assert_eq!(
            normalize_class_name("jdk/proxy2/$Proxy12"),
            "jdk.proxy2.$Proxy"
        );
        assert_eq!(
            normalize_class_name("com.acme.Generated1Report"),
            "com.acme.Generated1Report",
            "only accessor classes are numbered by the JVM"
        );
    }

    #[test]
    fn bytecode_generator_hashes_are_cut() {
        assert_eq!(
            normalize_class_name("com.acme.Repo$$EnhancerBySpringCGLIB$$1a2b3c4d"),
            "com.acme.Repo$$EnhancerBySpringCGLIB"
        );
        assert_eq!(
            normalize_class_name("com.acme.Repo$$SpringCGLIB$$0"),
            "com.acme.Repo$$SpringCGLIB"
        );
        assert_eq!(
            normalize_class_name("com.acme.Repo$MockitoMock$1234567"),
            "com.acme.Repo$MockitoMock"
        );
        assert_eq!(
            normalize_class_name("com.acme.Repo$HibernateProxy$AbCd12"),
            "com.acme.Repo$HibernateProxy"
        );
    }

    #[test]
    fn ordinary_names_are_left_alone() {
        for name in [
            "com.acme.Outer$Inner",
            "com.acme.Outer$1",
            "Main",
            "a.b.$Dollar",
        ] {
            assert_eq!(normalize_class_name(name), name);
        }
    }

    #[test]
    fn source_files_follow_javac_layout_and_generated_classes_have_none() {
        assert_eq!(
            conventional_source_file("com/acme/Service$Inner").as_deref(),
            Some("com/acme/Service.java")
        );
        assert_eq!(
            conventional_source_file("Main").as_deref(),
            Some("Main.java")
        );
        assert_eq!(
            conventional_source_file("Foo$$Lambda$1/0x0000000800c0b448"),
            None
        );
        assert_eq!(
            conventional_source_file("jdk/internal/reflect/GeneratedMethodAccessor17"),
            None
        );
        assert_eq!(conventional_source_file("jdk/proxy2/$Proxy12"), None);
    }
}
