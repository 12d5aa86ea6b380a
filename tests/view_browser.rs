//! The viewer page in a real browser: headless Chromium (Debian's `chromium` package,
//! which .ci/run installs) loads the page `argus view` serves, and the exported file,
//! and the test checks what a user sees: the flamegraph, the recommendations, a zoom.
//!
//! `ARGUS_UPDATE_SCREENSHOTS=1` also writes the screenshot the README shows,
//! docs/images/viewer.png.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;
mod viewing;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};

use common::{Project, repo};
use viewing::{export, redact_service, serve};

/// The Chromium binary: $ARGUS_CHROMIUM, or the first browser on PATH.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("ARGUS_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "no Chromium found: the viewer's browser test needs Debian's `chromium` package \
         (`apt-get install chromium`; .ci/run installs it), or ARGUS_CHROMIUM set to a Chromium binary"
    );
}

fn browser() -> Browser {
    let options = LaunchOptions::default_builder()
        .path(Some(chromium()))
        .headless(true)
        // Root in CI containers cannot use Chromium's sandbox.
        .sandbox(false)
        .window_size(Some((1400, 1000)))
        .idle_browser_timeout(Duration::from_secs(120))
        .build()
        .expect("launch options");
    Browser::new(options).expect("Chromium starts")
}

/// Evaluates `expression`, which must produce a JSON string, and parses it.
fn eval(tab: &Tab, expression: &str) -> serde_json::Value {
    let result = tab
        .evaluate(&format!("JSON.stringify({expression})"), false)
        .unwrap_or_else(|e| panic!("`{expression}` fails: {e}"));
    let text = result
        .value
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("`{expression}` gave no value"));
    serde_json::from_str(&text).expect("JSON")
}

/// Polls `expression` until it is true, or fails after ten seconds.
fn wait_until(tab: &Tab, expression: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if eval(tab, expression) == serde_json::Value::Bool(true) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for `{expression}`");
}

/// Names of the drawn frames.
fn frame_names(tab: &Tab) -> Vec<String> {
    let names = eval(
        tab,
        "Array.from(document.querySelectorAll('#flame g.frame')).map(g => g.getAttribute('name'))",
    );
    serde_json::from_value(names).expect("a list of names")
}

/// The width of the widest drawn frame named `name`, and of the whole graph.
fn widest(tab: &Tab, name: &str) -> (f64, f64) {
    let widths = eval(
        tab,
        &format!(
            "[Math.max(...Array.from(document.querySelectorAll('#flame g.frame'))\
               .filter(g => g.getAttribute('name') === {name:?} && !g.classList.contains('fade'))\
               .map(g => Number(g.querySelector('rect').getAttribute('width')))), \
              Number(document.querySelector('#flame svg').getAttribute('width'))]"
        ),
    );
    serde_json::from_value(widths).expect("two numbers")
}

/// Loads the page and checks that the flamegraph and recommendations render.
fn check_rendered(tab: &Tab, url: &str) -> Vec<String> {
    tab.navigate_to(url).expect("navigate");
    tab.wait_until_navigated().expect("the page loads");
    wait_until(tab, "document.body.dataset.ready === 'true'");
    wait_until(
        tab,
        "document.querySelectorAll('#flame g.frame').length > 20",
    );
    wait_until(tab, "document.querySelectorAll('#advice > li').length > 0");
    let names = frame_names(tab);
    assert!(
        names
            .iter()
            .any(|n| n == "parse_line (python/redact_service.py)"),
        "parse_line is drawn: {names:?}"
    );
    let hot_rows = eval(tab, "document.querySelectorAll('#hot tbody tr').length");
    assert!(
        hot_rows.as_u64().unwrap_or(0) > 5,
        "hot functions: {hot_rows}"
    );
    let thread_rows = eval(tab, "document.querySelectorAll('#threads tbody tr').length");
    assert!(
        thread_rows.as_u64().unwrap_or(0) >= 2,
        "threads: {thread_rows}"
    );
    names
}

/// Clicks the widest `name` frame and checks that it now spans the graph.
fn click_to_zoom(tab: &Tab, name: &str) {
    let (before, full) = widest(tab, name);
    assert!(
        before < full * 0.9,
        "{name} is {before} of {full} before the zoom"
    );
    tab.evaluate(
        &format!(
            "(() => {{ const gs = Array.from(document.querySelectorAll('#flame g.frame'))\
               .filter(g => g.getAttribute('name') === {name:?}); \
              gs.sort((a, b) => b.querySelector('rect').getAttribute('width') - a.querySelector('rect').getAttribute('width')); \
              gs[0].setAttribute('id', 'zoom-target'); }})()"
        ),
        false,
    )
    .expect("mark the frame");
    tab.find_element("#zoom-target rect")
        .expect("the frame is drawn")
        .click()
        .expect("click the frame");
    wait_until(
        tab,
        "(() => { const r = document.querySelector('#zoom-target rect'); \
           return Math.abs(Number(r.getAttribute('width')) - \
             Number(document.querySelector('#flame svg').getAttribute('width'))) < 1; })()",
    );
}

#[test]
fn served_page_draws_the_flamegraph_and_recommendations_and_zooms_on_click() {
    let (_server, address) = serve(&[&redact_service()]);
    let browser = browser();
    let tab = browser.new_tab().expect("a tab");
    check_rendered(&tab, &format!("http://{address}/"));
    click_to_zoom(&tab, "parse_line (python/redact_service.py)");

    // The weight switch redraws the other tree.
    tab.find_element("input[name=weight][value=wall]")
        .expect("the weight switch")
        .click()
        .expect("switch to wall time");
    wait_until(
        &tab,
        "document.querySelector('#hot-weight').textContent.includes('wall')",
    );

    // A recommendation's button shows its frames in the flamegraph; the README's
    // screenshot is this.
    tab.find_element("input[name=weight][value=cpu]")
        .expect("the weight switch")
        .click()
        .expect("switch back to CPU time");
    // Deep stacks make a tall graph; the page opens as an icicle, root at the top.
    assert_eq!(
        eval(&tab, "document.querySelector('#icicle').checked"),
        serde_json::Value::Bool(true)
    );
    let advice = eval(
        &tab,
        "document.querySelectorAll('#advice li.advice').length",
    );
    assert!(
        advice.as_u64().unwrap_or(0) > 0,
        "py-regex-compile-hot fires on the fixture: {advice}"
    );
    tab.find_element("#advice li.advice button.show-frames")
        .expect("a recommendation links to its frames")
        .click()
        .expect("click the link");
    wait_until(
        &tab,
        "document.querySelectorAll('#flame g.frame rect[fill=\"#E600E6\"]').length > 0",
    );
    tab.evaluate("window.scrollTo(0, 0)", false)
        .expect("scroll to the top");
    std::thread::sleep(Duration::from_millis(800));
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let out = std::env::temp_dir().join("argus-viewer.png");
    std::fs::write(&out, &png).expect("save the screenshot");
    if std::env::var_os("ARGUS_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        let docs = repo().join("docs/images/viewer.png");
        std::fs::create_dir_all(docs.parent().expect("a parent")).expect("docs/images");
        std::fs::write(&docs, &png).expect("write the README screenshot");
    }
}

#[test]
fn exported_page_renders_from_a_file_without_a_server() {
    let project = Project::new();
    let out = export(project.path(), "report.html", &[&redact_service()]);
    let browser = browser();
    let tab = browser.new_tab().expect("a tab");
    check_rendered(&tab, &format!("file://{}", out.display()));
    click_to_zoom(&tab, "render (python/redact_service.py)");
}
