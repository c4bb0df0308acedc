//! The upstream extraction formats on tiny hand-made folders: recognition without a manifest,
//! `.gz` storage, fingerprints, and bad records reported with file, line and field instead of a
//! panic.

use std::io::Write;
use std::path::Path;

use corpusbench::corpus::{discover, formats};
use corpusbench::model::{Dataset, Items};

fn write(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn write_gz(path: &Path, bytes: &[u8]) {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
    let gz = enc.finish().unwrap_or_else(|e| panic!("{e}"));
    write(
        &path.with_file_name(format!("{}.gz", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())),
        &gz,
    );
}

fn load(dir: &Path) -> Dataset {
    let format = formats::find(dir).unwrap_or_else(|| panic!("not recognised: {}", dir.display()));
    (format.load)(dir).unwrap_or_else(|e| panic!("{e}"))
}

fn ids(ds: &Dataset) -> Vec<String> {
    match &ds.items {
        Items::Extract { pages, .. } => pages.iter().map(|p| p.id.clone()).collect(),
        Items::Dedup { .. } | Items::Streamed { .. } => Vec::new(),
    }
}

const SH_GOLD: &str = r#"{
  "p2": {"articleBody": "Second body", "url": "https://b.example.com/"},
  "p1": {"articleBody": null},
  "bad": {"articleBody": 7},
  "nohtml": {"articleBody": "x"}
}"#;

fn scrapinghub(dir: &Path, gz: bool) {
    write(&dir.join("ground-truth.json"), SH_GOLD.as_bytes());
    for (id, html) in [("p1", "<p>one</p>"), ("p2", "<p>two</p>"), ("bad", "<p>bad</p>")] {
        let path = dir.join("html").join(format!("{id}.html"));
        if gz { write_gz(&path, html.as_bytes()) } else { write(&path, html.as_bytes()) }
    }
}

#[test]
fn scrapinghub_folder_loads_in_gold_order_with_issues_located() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    scrapinghub(tmp.path(), false);
    let ds = load(tmp.path());
    assert_eq!(ds.format, "scrapinghub-aeb");
    assert_eq!(ids(&ds), vec!["p2", "p1"]);
    let Items::Extract { gold, pages } = &ds.items else { panic!("not extract") };
    assert_eq!(gold[1].text.as_deref(), Some(""), "a null articleBody is empty gold text");
    assert_eq!(pages[0].url.as_deref(), Some("https://b.example.com/"));
    let bad = ds.issues.iter().find(|e| e.field.as_deref() == Some("articleBody")).map(|e| (e.line, e.path.clone()));
    assert_eq!(bad, Some((Some(4), tmp.path().join("ground-truth.json"))));
    assert!(ds.issues.iter().any(|e| e.message.contains("page `nohtml`: no HTML file")), "{:?}", ds.issues);
}

#[test]
fn gz_storage_reads_the_same_and_keeps_the_fingerprint() {
    let plain = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let packed = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    scrapinghub(plain.path(), false);
    scrapinghub(packed.path(), true);
    let (a, b) = (load(plain.path()), load(packed.path()));
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.fingerprint, b.fingerprint);
    // Editing a page changes it.
    write(&plain.path().join("html/p1.html"), b"<p>changed</p>");
    assert_ne!(load(plain.path()).fingerprint, a.fingerprint);
}

#[test]
fn discover_finds_upstream_folders_without_a_manifest() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    scrapinghub(tmp.path(), true);
    let (datasets, errors) = discover(&[tmp.path().to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(datasets.len(), 1);
}

#[test]
fn trafilatura_folder_resolves_cache_then_eval_and_rejects_bad_snippets() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    let evaldata = r#"{
"https://a.example.de/x": {"file": "a.html", "with": ["Grüße"], "without": ["Menü"]},
"https://b.example.com/": {"file": "b.html", "with": ["  "], "without": []},
"https://c.example.com/": {"file": "../c.html", "with": [], "without": []},
"https://d.example.com/": {"file": "d.html", "with": "not a list", "without": []}
}"#;
    write(&d.join("evaldata.json"), evaldata.as_bytes());
    // a.html exists in both; cache/ wins. The cache copy is windows-1252 without a declaration.
    write(&d.join("eval/a.html"), b"<p>eval copy</p>");
    write(&d.join("cache/a.html"), b"<p>Gr\xFC\xDFe aus K\xF6ln, sch\xF6ne Stra\xDFe, Gr\xFC\xDFe</p>");
    write(&d.join("eval/b.html"), b"<p>b</p>");
    write(&d.join("eval/d.html"), b"<p>d</p>");
    let ds = load(d);
    assert_eq!(ds.format, "trafilatura-eval");
    assert_eq!(ids(&ds), vec!["https://a.example.de/x"]);
    let Items::Extract { pages, gold } = &ds.items else { panic!("not extract") };
    assert!(pages[0].html.contains("Grüße aus Köln"), "{}", pages[0].html);
    assert_eq!(gold[0].with, vec!["Grüße"]);
    let fields: Vec<(Option<usize>, Option<&str>)> = ds.issues.iter().map(|e| (e.line, e.field.as_deref())).collect();
    assert_eq!(fields, vec![(Some(3), Some("with")), (Some(4), Some("file")), (Some(5), Some("with"))]);
}

#[test]
fn wcxb_folder_reads_types_and_reports_bad_files() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    let gt = |ty: &str, text: &str| {
        format!(
            r#"{{"url": "https://x.example.org/", "_internal": {{"page_type": {{"primary": "{ty}"}}}}, "ground_truth": {{"main_content": {text}, "with": ["a"], "without": null}}}}"#
        )
    };
    write(&d.join("ground-truth/0002.json"), gt("category", "\"two\"").as_bytes());
    write_gz(&d.join("ground-truth/0001.json"), gt("forum", "null").as_bytes());
    write(&d.join("ground-truth/0003.json"), b"{\"ground_truth\": [1]}");
    write(&d.join("ground-truth/0004.json"), b"{\n\"ground_truth\": }");
    for id in ["0001", "0002", "0003", "0004"] {
        write_gz(&d.join(format!("html/{id}.html")), b"<p>x</p>");
    }
    let ds = load(d);
    assert_eq!(ds.format, "wcxb");
    assert_eq!(ids(&ds), vec!["0001", "0002"]);
    let Items::Extract { gold, .. } = &ds.items else { panic!("not extract") };
    assert_eq!(gold[0].page_type.as_deref(), Some("forum"));
    assert_eq!(gold[1].page_type.as_deref(), Some("collection"));
    assert_eq!(gold[0].text.as_deref(), Some(""));
    assert_eq!(ds.issues.len(), 2, "{:?}", ds.issues);
    assert_eq!(ds.issues[0].field.as_deref(), Some("ground_truth"));
    assert_eq!(ds.issues[1].line, Some(2));
}

/// Loaded without HTML (no strategy reads it), a folder keeps the fingerprint, size and issues
/// of a full load; the second such load takes them from the folder's cache, which a changed
/// page invalidates.
#[test]
fn pages_without_html_keep_the_fingerprint_and_size_of_a_full_load() {
    use corpusbench::corpus::fingerprint::pages_cache_file;
    let lean = |dir: &Path| {
        let format = formats::find(dir).unwrap_or_else(|| panic!("not recognised: {}", dir.display()));
        let load = format.load_without_html.unwrap_or_else(|| panic!("{} has pages", format.name));
        load(dir).unwrap_or_else(|e| panic!("{e}"))
    };
    let same = |full: &Dataset, lean: &Dataset| {
        assert_eq!(ids(full), ids(lean));
        assert_eq!(full.fingerprint, lean.fingerprint);
        assert_eq!(full.input_bytes(), lean.input_bytes());
        assert_eq!(format!("{:?}", full.issues), format!("{:?}", lean.issues));
        let Items::Extract { pages, gold } = &lean.items else { panic!("not extract") };
        assert!(pages.iter().all(|p| p.html.is_empty()));
        let Items::Extract { gold: full_gold, .. } = &full.items else { panic!("not extract") };
        assert_eq!(gold, full_gold);
    };
    // A page without HTML: read in full, reported the same way, nothing cached.
    let partial = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    scrapinghub(partial.path(), true);
    same(&load(partial.path()), &lean(partial.path()));
    let cache = pages_cache_file(partial.path());
    assert!(cache.as_ref().is_none_or(|c| !c.exists()), "a folder with issues is not cached");

    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    scrapinghub(d, true);
    std::fs::remove_file(d.join("ground-truth.json")).unwrap_or_else(|e| panic!("{e}"));
    write(&d.join("ground-truth.json"), br#"{"p2": {"articleBody": "Two"}, "p1": {"articleBody": "One"}}"#);
    let full = load(d);
    assert!(full.input_bytes() > 0);
    same(&full, &lean(d));
    let Some(cache) = pages_cache_file(d) else { return };
    // The figures are cached: make the cache lie, and the lie is believed while no file changes.
    let text = std::fs::read_to_string(&cache).unwrap_or_else(|e| panic!("{}: {e}", cache.display()));
    std::fs::write(&cache, text.replace(&full.fingerprint, &"0".repeat(64))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lean(d).fingerprint, "0".repeat(64));
    assert_eq!(lean(d).input_bytes(), full.input_bytes());
    // A changed page changes the key: read again, and the same as a full load.
    write_gz(&d.join("html/p1.html"), b"<p>one, changed and longer</p>");
    let changed = load(d);
    assert_ne!(changed.fingerprint, full.fingerprint);
    same(&changed, &lean(d));
    let _ = std::fs::remove_file(&cache);
}
