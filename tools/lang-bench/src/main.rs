//! Accuracy and speed of two language detectors, whatlang and lingua, on a labelled sample
//! (`tests/fixtures/lang-sample.jsonl`: `lang` as ISO 639-3, `kind` paragraph or snippet,
//! `text`), and their agreement on the gold texts of a WCXB folder (`ground-truth/*.json`,
//! `ground_truth.main_content`), read where it lies.
//!
//! ```text
//! cargo run --release -- SAMPLE.jsonl [WCXB_DIR]
//! cargo run --release --features lingua-all -- SAMPLE.jsonl [WCXB_DIR]
//! ```
//!
//! Without `lingua-all`, lingua is built with the 14 languages of its features in Cargo.toml
//! (the sample's 13 and Norwegian Bokmål); whatlang always has its 69. Both are compared in
//! ISO 639-3, with lingua's macrolanguage codes for Chinese (`zho`) and Persian (`fas`) read as
//! whatlang's `cmn` and `pes`. Markdown tables go to standard output.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use lingua::{LanguageDetector, LanguageDetectorBuilder};

/// The fewest letters (alphabetic characters) a text needs before the rule names its language
/// (corpusbench's `groups::MIN_LANGUAGE_LETTERS`).
const MIN_LETTERS: usize = 20;

/// The least whatlang confidence the rule keeps (corpusbench's `groups::MIN_LANGUAGE_CONFIDENCE`).
const MIN_CONFIDENCE: f64 = 0.5;

/// How many WCXB pages the determinism check runs lingua on (all of them for whatlang).
const DETERMINISM_PAGES: usize = 300;

struct Item {
    lang: String,
    kind: String,
    text: String,
}

type Detect<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

fn whatlang_code(lang: whatlang::Lang) -> String {
    lang.code().to_string()
}

fn lingua_code(lang: lingua::Language) -> String {
    match lang.iso_code_639_3().to_string().as_str() {
        "zho" => "cmn".to_string(),
        "fas" => "pes".to_string(),
        other => other.to_string(),
    }
}

fn lingua_detector(low: bool) -> LanguageDetector {
    let mut b = LanguageDetectorBuilder::from_all_languages();
    if low {
        b.with_low_accuracy_mode();
    }
    b.with_preloaded_language_models().build()
}

/// The detectors compared, by name. `whatlang rule` is the rule corpusbench applies: whatlang's
/// guess, kept only when the text has at least [`MIN_LETTERS`] letters and whatlang's confidence
/// is at least [`MIN_CONFIDENCE`].
fn detectors<'a>(
    allow: &'a whatlang::Detector,
    high: &'a LanguageDetector,
    low: &'a LanguageDetector,
    lingua_n: usize,
) -> Vec<(String, Detect<'a>)> {
    vec![
        ("whatlang".into(), Box::new(|t: &str| whatlang::detect_lang(t).map(whatlang_code)) as Detect<'a>),
        (
            "whatlang rule".into(),
            Box::new(|t: &str| {
                (letters(t) >= MIN_LETTERS)
                    .then(|| whatlang::detect(t))
                    .flatten()
                    .filter(|i| i.confidence() >= MIN_CONFIDENCE)
                    .map(|i| whatlang_code(i.lang()))
            }),
        ),
        ("whatlang, 14 allowed".into(), Box::new(move |t: &str| allow.detect_lang(t).map(whatlang_code))),
        (format!("lingua high, {lingua_n}"), Box::new(move |t: &str| high.detect_language_of(t).map(lingua_code))),
        (format!("lingua low, {lingua_n}"), Box::new(move |t: &str| low.detect_language_of(t).map(lingua_code))),
    ]
}

fn read_sample(path: &Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let field = |k: &str| {
            v[k].as_str().map(str::to_string).ok_or_else(|| format!("{}:{}: no string `{k}`", path.display(), n + 1))
        };
        items.push(Item { lang: field("lang")?, kind: field("kind")?, text: field("text")? });
    }
    Ok(items)
}

/// The gold texts of a WCXB folder, by file name.
fn read_wcxb(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let gt = dir.join("ground-truth");
    let mut paths: Vec<_> = std::fs::read_dir(&gt)
        .map_err(|e| format!("{}: {e}", gt.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
        let text = v["ground_truth"]["main_content"].as_str().unwrap_or_default().to_string();
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        out.push((name, text));
    }
    Ok(out)
}

/// Labels of every text by `d`, and the seconds it took (best of `repeat` passes).
fn label_all(d: &Detect<'_>, texts: &[&str], repeat: usize) -> (Vec<Option<String>>, f64) {
    let mut best = f64::INFINITY;
    let mut labels = Vec::new();
    for _ in 0..repeat.max(1) {
        let t0 = Instant::now();
        labels = texts.iter().map(|t| d(t)).collect();
        best = best.min(t0.elapsed().as_secs_f64());
    }
    (labels, best)
}

fn sample_report(items: &[Item], dets: &[(String, Detect<'_>)]) {
    let kinds = ["paragraph", "snippet"];
    println!("### Labelled sample\n");
    println!(
        "{} texts: {} paragraphs, {} snippets, {} languages. Accuracy is correct / all texts (no answer counts as \
         wrong); `answered` is the share given a label, `precision` correct / answered. Time is the best of 5 passes.\n",
        items.len(),
        items.iter().filter(|i| i.kind == "paragraph").count(),
        items.iter().filter(|i| i.kind == "snippet").count(),
        items.iter().map(|i| i.lang.as_str()).collect::<std::collections::BTreeSet<_>>().len()
    );
    println!(
        "| detector | accuracy, paragraphs | accuracy, snippets | answered | precision | µs per paragraph | µs per snippet |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut per_lang: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut wrong: Vec<(String, String, String, String)> = Vec::new();
    for (di, (name, d)) in dets.iter().enumerate() {
        let mut cells = vec![name.clone()];
        let mut answered = 0;
        let mut correct_all = 0;
        let mut times = Vec::new();
        for kind in kinds {
            let sub: Vec<&Item> = items.iter().filter(|i| i.kind == kind).collect();
            let texts: Vec<&str> = sub.iter().map(|i| i.text.as_str()).collect();
            let (labels, secs) = label_all(d, &texts, 5);
            let mut correct = 0;
            for (item, label) in sub.iter().zip(&labels) {
                answered += usize::from(label.is_some());
                let ok = label.as_deref() == Some(item.lang.as_str());
                correct += usize::from(ok);
                let counts = per_lang.entry(item.lang.clone()).or_insert_with(|| vec![0; dets.len()]);
                counts[di] += usize::from(ok);
                if !ok {
                    wrong.push((
                        name.clone(),
                        item.lang.clone(),
                        label.clone().unwrap_or("-".into()),
                        item.text.clone(),
                    ));
                }
            }
            correct_all += correct;
            cells.push(format!("{correct}/{} ({:.1}%)", sub.len(), 100.0 * correct as f64 / sub.len().max(1) as f64));
            times.push(format!("{:.1}", secs * 1e6 / sub.len().max(1) as f64));
        }
        cells.push(format!("{:.1}%", 100.0 * answered as f64 / items.len().max(1) as f64));
        cells.push(format!("{:.1}%", 100.0 * correct_all as f64 / answered.max(1) as f64));
        cells.extend(times);
        println!("| {} |", cells.join(" | "));
    }
    println!("\nCorrect per language (of {} each):\n", items.len() / per_lang.len().max(1));
    println!("| language | {} |", dets.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" | "));
    println!("|---|{}", "---|".repeat(dets.len()));
    for (lang, counts) in &per_lang {
        println!("| {lang} | {} |", counts.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" | "));
    }
    println!("\nWrong or unanswered (detector: truth → label: text):\n");
    for (name, truth, label, text) in wrong {
        let short: String = text.chars().take(60).collect();
        println!("- {name}: {truth} → {label}: {short}");
    }
    println!();
}

/// Prints the WCXB tables; returns lingua high's labels, the reference of the rule grid.
fn wcxb_report(pages: &[(String, String)], dets: &[(String, Detect<'_>)]) -> Vec<Option<String>> {
    let texts: Vec<&str> = pages.iter().map(|(_, t)| t.as_str()).collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    println!("### WCXB gold texts\n");
    println!(
        "{} pages, {:.1} M characters of gold text. Time is one pass, single-threaded.\n",
        texts.len(),
        chars as f64 / 1e6
    );
    let mut all: Vec<(String, Vec<Option<String>>)> = Vec::new();
    println!("| detector | seconds | MB/s | answered | languages (pages) |");
    println!("|---|---|---|---|---|");
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    for (name, d) in dets {
        let (labels, secs) = label_all(d, &texts, 1);
        let mut dist: BTreeMap<&str, usize> = BTreeMap::new();
        for l in labels.iter() {
            *dist.entry(l.as_deref().unwrap_or("none")).or_default() += 1;
        }
        let mut dist: Vec<(&str, usize)> = dist.into_iter().collect();
        dist.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = dist.iter().map(|(l, n)| format!("{l} {n}")).collect();
        let answered = labels.iter().filter(|l| l.is_some()).count();
        println!(
            "| {name} | {secs:.2} | {:.1} | {answered} | {} |",
            bytes as f64 / 1e6 / secs.max(1e-9),
            shown.join(", ")
        );
        all.push((name.clone(), labels));
    }
    println!("\nAgreement on pages where both answered (pairs of detectors):\n");
    println!("| A | B | both answered | agree | disagreements (A/B pages) |");
    println!("|---|---|---|---|---|");
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            let (mut both, mut agree) = (0, 0);
            let mut diff: BTreeMap<(String, String), usize> = BTreeMap::new();
            for (a, b) in all[i].1.iter().zip(&all[j].1) {
                if let (Some(a), Some(b)) = (a, b) {
                    both += 1;
                    if a == b {
                        agree += 1;
                    } else {
                        *diff.entry((a.clone(), b.clone())).or_default() += 1;
                    }
                }
            }
            let mut diff: Vec<_> = diff.into_iter().collect();
            diff.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let shown: Vec<String> = diff.iter().take(8).map(|((a, b), n)| format!("{a}/{b} {n}")).collect();
            println!(
                "| {} | {} | {both} | {agree} ({:.1}%) | {} |",
                all[i].0,
                all[j].0,
                100.0 * agree as f64 / both.max(1) as f64,
                shown.join(", ")
            );
        }
    }
    let rule = all.iter().position(|(n, _)| n == "whatlang rule");
    let high = all.iter().position(|(n, _)| n.starts_with("lingua high"));
    if let (Some(r), Some(h)) = (rule, high) {
        println!("\nPages where `whatlang rule` and lingua high disagree, or one has no answer:\n");
        for (k, (name, text)) in pages.iter().enumerate() {
            let (a, b) = (&all[r].1[k], &all[h].1[k]);
            if a != b {
                let short: String = text.chars().filter(|c| !c.is_control()).take(70).collect();
                println!(
                    "- {name} ({} chars): {} / {}: {short}",
                    text.chars().count(),
                    a.as_deref().unwrap_or("none"),
                    b.as_deref().unwrap_or("none")
                );
            }
        }
    }
    println!();
    high.map(|h| all.swap_remove(h).1).unwrap_or_default()
}

/// The rule's two thresholds over a grid: whatlang's guess kept when the text has at least
/// `letters` letters and whatlang's confidence is at least `confidence`. On the sample: the share
/// answered and correct / answered; on WCXB (when given): the share answered and agreement with
/// `reference` (lingua high) where both answer.
fn rule_grid(items: &[Item], pages: &[(String, String)], reference: &[Option<String>]) {
    let guess = |t: &str| (letters(t), whatlang::detect(t).map(|i| (whatlang_code(i.lang()), i.confidence())));
    let sample: Vec<_> = items.iter().map(|i| (i, guess(&i.text))).collect();
    let wcxb: Vec<_> = pages.iter().zip(reference).map(|((_, t), r)| (guess(t), r)).collect();
    println!("### Rule: letters and confidence thresholds\n");
    println!(
        "Sample: answered and precision (correct / answered) by kind. WCXB: answered, and agreement with lingua high \
         where both answer.\n"
    );
    println!(
        "| min letters | min confidence | paragraphs answered | precision | snippets answered | precision | WCXB answered | agreement |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let pct = |a: usize, b: usize| format!("{:.1}%", 100.0 * a as f64 / b.max(1) as f64);
    for min_letters in [0usize, MIN_LETTERS, 50] {
        for min_conf in [0.0, 0.1, 0.25, MIN_CONFIDENCE, 0.9] {
            let keep = |g: &(usize, Option<(String, f64)>)| -> Option<String> {
                let (n, info) = g;
                info.as_ref().filter(|(_, c)| *n >= min_letters && *c >= min_conf).map(|(l, _)| l.clone())
            };
            let mut cells = vec![min_letters.to_string(), format!("{min_conf}")];
            for kind in ["paragraph", "snippet"] {
                let sub: Vec<_> = sample.iter().filter(|(i, _)| i.kind == kind).collect();
                let labels: Vec<_> = sub.iter().map(|(i, g)| (i, keep(g))).collect();
                let answered = labels.iter().filter(|(_, l)| l.is_some()).count();
                let correct = labels.iter().filter(|(i, l)| l.as_deref() == Some(i.lang.as_str())).count();
                cells.push(pct(answered, sub.len()));
                cells.push(pct(correct, answered));
            }
            if wcxb.is_empty() {
                cells.extend(["-".to_string(), "-".to_string()]);
            } else {
                let labels: Vec<_> = wcxb.iter().map(|(g, r)| (keep(g), r)).collect();
                let answered = labels.iter().filter(|(l, _)| l.is_some()).count();
                let both: Vec<_> = labels.iter().filter_map(|(l, r)| Some((l.as_ref()?, r.as_ref()?))).collect();
                let agree = both.iter().filter(|(l, r)| l == r).count();
                cells.push(pct(answered, wcxb.len()));
                cells.push(pct(agree, both.len()));
            }
            println!("| {} |", cells.join(" | "));
        }
    }
    println!();
}

/// Whether two detectors built apart (lingua's language sets are hash sets, seeded per
/// instance) label every text alike: lingua on `lingua_texts`, whatlang on `texts`.
fn determinism(texts: &[&str], lingua_texts: &[&str]) {
    let (h1, h2) = (lingua_detector(false), lingua_detector(false));
    let (l1, l2) = (lingua_detector(true), lingua_detector(true));
    let count = |a: &LanguageDetector, b: &LanguageDetector| {
        lingua_texts.iter().filter(|t| a.detect_language_of(**t) != b.detect_language_of(**t)).count()
    };
    let w = texts.iter().filter(|t| whatlang::detect(t) != whatlang::detect(t)).count();
    println!("### Determinism\n");
    println!(
        "Texts labelled differently by two instances: lingua high {}, lingua low {} (of {}); whatlang {} (of {}).\n",
        count(&h1, &h2),
        count(&l1, &l2),
        lingua_texts.len(),
        w,
        texts.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(sample) = args.first() else {
        eprintln!("usage: lang-bench SAMPLE.jsonl [WCXB_DIR]");
        std::process::exit(2);
    };
    let items = match read_sample(Path::new(sample)) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let allow: Vec<whatlang::Lang> =
        ["eng", "deu", "fra", "spa", "por", "ita", "nld", "swe", "dan", "nob", "pol", "rus", "jpn", "cmn"]
            .iter()
            .filter_map(|c| whatlang::Lang::from_code(*c))
            .collect();
    let allow = whatlang::Detector::with_allowlist(allow);
    let t0 = Instant::now();
    let high = lingua_detector(false);
    let high_load = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let low = lingua_detector(true);
    let low_load = t0.elapsed().as_secs_f64();
    let lingua_n = lingua::Language::all().len();
    println!("## lang-bench: whatlang 0.18.0, lingua 1.8.0 with {lingua_n} languages\n");
    println!(
        "Loading lingua's models (preloaded, {lingua_n} languages): {high_load:.2} s high accuracy, {low_load:.2} s low accuracy.\n"
    );
    let dets = detectors(&allow, &high, &low, lingua_n);
    sample_report(&items, &dets);
    let mut texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    let pages = match args.get(1).map(|d| read_wcxb(Path::new(d))) {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
        None => Vec::new(),
    };
    let reference = if pages.is_empty() { Vec::new() } else { wcxb_report(&pages, &dets) };
    rule_grid(&items, &pages, &reference);
    let lingua_texts: Vec<&str> =
        texts.iter().copied().chain(pages.iter().take(DETERMINISM_PAGES).map(|(_, t)| t.as_str())).collect();
    texts.extend(pages.iter().map(|(_, t)| t.as_str()));
    determinism(&texts, &lingua_texts);
}
