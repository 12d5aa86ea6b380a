//! Every rule, run by the real engine on a small stack over code nested 10,000 levels
//! deep: any recursion over the tree overflows here first.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use argus_reviewer::{Engine, RuleSet};
use argus_rules::Language;

const N: usize = 10_000;

fn python_sources() -> Vec<String> {
    vec![
        format!("x = {}1{}\neval(x)\n", "(".repeat(N), ")".repeat(N)),
        format!(
            "import os\nos.system({}x{})\n",
            "f(".repeat(N),
            ")".repeat(N)
        ),
        format!("import os\nos{}.system(x)\n", ".path".repeat(N)),
        format!("cmd = {}u\nimport os\nos.system(cmd)\n", "'a' + ".repeat(N)),
        format!("def f(a={}{}): pass\n", "[".repeat(N), "]".repeat(N)),
        format!("g = {}open('x').read()\n", "lambda: ".repeat(N)),
        format!("x = {}1{}\n", "{'password': ".repeat(N), "}".repeat(N)),
        format!("x = a{}\neval(x)\n", "[0]".repeat(N)),
        format!("x = {}\n", "not ".repeat(N) + "y is 'a'"),
        format!(
            "import hashlib\nx = {}hashlib.md5(b''){}\n",
            "[".repeat(N),
            "]".repeat(N)
        ),
    ]
}

fn java_sources() -> Vec<String> {
    let class =
        |body: String| format!("class Deep {{ void f(String p) throws Exception {{ {body} }} }}\n");
    let servlet = |body: String| {
        format!(
            "class Deep {{ void f(javax.servlet.http.HttpServletRequest request, \
             javax.servlet.http.HttpServletResponse response) throws Exception {{ {body} }} }}\n"
        )
    };
    vec![
        class(format!("int x = {}1{};", "(".repeat(N), ")".repeat(N))),
        class(format!("{}{}", "{".repeat(N), "}".repeat(N))),
        class(format!("String s = {}p;", "\"a\" + ".repeat(N))),
        class(format!(
            "Runtime.getRuntime().exec({}p);",
            "\"a\" + ".repeat(N)
        )),
        class(format!(
            "boolean b = {}p == \"x\"{};",
            "(".repeat(N),
            ")".repeat(N)
        )),
        class(format!(
            "int y = {}1{};",
            "p == null ? 0 : (".repeat(N),
            ")".repeat(N)
        )),
        class(format!("Runnable r = {}null;", "() -> ".repeat(N))),
        class(format!(
            "Object o = {}{};",
            "new Object() { void g() { ".repeat(N),
            "} }".repeat(N)
        )),
        class(format!(
            "{}{}",
            "try { ".repeat(N),
            "} catch (Exception e) {}".repeat(N)
        )),
        class(format!(
            "new java.io.FileInputStream(p){};",
            ".getChannel()".repeat(N)
        )),
        // Request data makes the taint analysis interpret the method.
        servlet(format!(
            "String q = request.getParameter(\"q\"); Runtime.getRuntime().exec({}q);",
            "\"a\" + ".repeat(N)
        )),
    ]
}

#[test]
fn every_rule_survives_ten_thousand_levels_of_nesting_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let engine = Engine::new(RuleSet::all(), true);
            let mut checked = 0;
            for (language, sources) in [
                (Language::Python, python_sources()),
                (Language::Java, java_sources()),
            ] {
                for source in sources {
                    // The findings do not matter; finishing without overflow does.
                    let _ = engine.check(language, &source);
                    checked += 1;
                }
            }
            checked
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), 21);
}
