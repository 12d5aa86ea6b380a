//! A review run "from" another folder, as the PR bot does for each checkout: paths are
//! shown and fingerprinted relative to it, and its configuration applies.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use argus_reviewer::config::Options;
use argus_reviewer::review::{NoProgress, ReviewOptions, run};

#[test]
fn a_review_from_a_base_folder_shows_paths_relative_to_it_and_uses_its_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/app.py"),
        "import hashlib\nhashlib.md5(b'')\nhashlib.sha1(b'')\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("argus.toml"),
        "[severity]\n\"py-weak-hash\" = \"error\"\n",
    )
    .unwrap();
    let outcome = run(ReviewOptions {
        paths: vec!["src/app.py".into()],
        cli: Options::default(),
        config_file: None,
        excludes: Vec::new(),
        jobs: Some(1),
        base_dir: Some(dir.path().to_path_buf()),
        warn_unused_suppressions: false,
        baseline: None,
        progress: &NoProgress,
    })
    .unwrap();
    let d = &outcome.review.diagnostics;
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].path, "src/app.py");
    assert_eq!(d[0].uri, "src/app.py");
    assert_eq!(d[0].severity, argus_rules::Severity::Error);
    assert_ne!(d[0].fingerprint, d[1].fingerprint);
}
