//! Extractor throughput on the bundled hand-made pages (`corpus/handmade-extract`), single
//! threaded, in MB/s of HTML (`Throughput::Bytes`).
//!
//! Every timed iteration extracts all pages and checks the answer beside the timing: a sentence of
//! the news article's body must be in the output and a string only a script writes must not, so a
//! change that makes an extractor faster by breaking it cannot pass as a speed-up.
//!
//! Run: `cargo bench --bench extract` (add `-- plain` to run one extractor).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use corpusbench::corpus::load_dataset;
use corpusbench::model::{Items, Page};
use corpusbench::strategy::{Extractor, Registry};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const HANDMADE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/handmade-extract");
/// A sentence of the news article's body that every extractor keeps.
const KEPT: &str = "selling advertising space on the ferry itself";
/// Text only a `<script>` of the hidden-content page writes.
const DROPPED: &str = "Download our app for breaking news alerts";

fn pages() -> Vec<Page> {
    match load_dataset(Path::new(HANDMADE)).map(|d| d.items) {
        Ok(Items::Extract { pages, .. }) => pages,
        _ => panic!("cannot load {HANDMADE}"),
    }
}

/// The news article with its body repeated 40 times (about 40 KB): a long page, where per-page
/// overheads matter less than on the small hand-made pages.
fn long_page(pages: &[Page]) -> Page {
    let news = pages.iter().find(|p| p.id == "news-article").expect("news-article page");
    let (start, end) = match (news.html.find("<p>The town council"), news.html.find("</article>")) {
        (Some(s), Some(e)) if s < e => (s, e),
        _ => panic!("news-article page has changed"),
    };
    let body = news.html[start..end].repeat(40);
    let html = format!("{}{}{}", &news.html[..start], body, &news.html[end..]);
    Page { id: "news-article-long".into(), html, url: news.url.clone() }
}

fn extract_all(ex: &dyn Extractor, pages: &[Page]) -> usize {
    let mut kept = false;
    let mut chars = 0;
    for page in pages {
        let text = ex.extract(page).unwrap_or_default();
        chars += text.len();
        kept |= text.contains(KEPT);
        assert!(!text.contains(DROPPED), "{} output script text on {}", ex.name(), page.id);
    }
    assert!(kept, "{} lost the news article's body", ex.name());
    chars
}

fn bench_extractors(c: &mut Criterion) {
    let pages = pages();
    let bytes: u64 = pages.iter().map(|p| p.html.len() as u64).sum();
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Bytes(bytes));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(30);
    for spec in ["plain", "sift", "readability", "trafilatura", "justext", "rs-trafilatura"] {
        let ex = Registry::builtin().extract(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        group.bench_function(spec, |b| b.iter(|| black_box(extract_all(ex.as_ref(), black_box(&pages)))));
    }
    group.finish();

    let long = [long_page(&pages)];
    let mut group = c.benchmark_group("extract-long-page");
    group.throughput(Throughput::Bytes(long[0].html.len() as u64));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(20);
    for spec in ["plain", "sift", "readability", "trafilatura", "justext", "rs-trafilatura"] {
        let ex = Registry::builtin().extract(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        group.bench_function(spec, |b| {
            b.iter(|| {
                let text = ex.extract(black_box(&long[0])).unwrap_or_default();
                assert!(text.matches(KEPT).count() == 40, "{spec} lost part of the long article");
                black_box(text.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_extractors);
criterion_main!(benches);
