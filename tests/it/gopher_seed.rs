//! The bundled seed article (a lead paragraph, then a ten-paragraph body printed twice) must be
//! dropped by `gopher-repetition`, and `doc_stats.csv` must show why.

use std::process::Command;

#[test]
fn seed_article_is_removed_and_doc_stats_show_the_duplicate_lines() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_corpusbench"))
        .args(["run", "--corpus", &format!("{root}/corpus/seed-news"), "--strategy", "gopher-repetition", "--out"])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let csv = std::fs::read_to_string(out.path().join("doc_stats.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "dataset,strategy,doc_id,stat,value");
    let value = |stat: &str| {
        let prefix = format!("seed-news,gopher-repetition,000_7a31378b6b8f6607,{stat},");
        lines.iter().find_map(|l| l.strip_prefix(prefix.as_str())).unwrap().parse::<f64>().unwrap()
    };
    // 21 non-blank lines, lines 12-21 repeat lines 2-11: 10 duplicates (threshold 0.30).
    assert_eq!(value("dup_line_frac"), (10.0f64 / 21.0 * 1e6).round() / 1e6);
    // The gold span of the second copy is [2116, 4039): 1923 chars of which 9 are line breaks,
    // so 1914 chars of duplicate lines in a 4039-char text (threshold 0.20).
    assert_eq!(value("dup_line_char_frac"), (1914.0f64 / 4039.0 * 1e6).round() / 1e6);
    assert!(value("rules_failed") >= 2.0);

    // Removing the whole document covers the gold span: recall 1.
    let results = std::fs::read_to_string(out.path().join("results.csv")).unwrap();
    assert!(results.contains("seed-news,dedup,gopher-repetition,span_recall,1.000000"), "{results}");
}
