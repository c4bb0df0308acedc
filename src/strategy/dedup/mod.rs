//! Deduplicators: document-level (`exact`, near-duplicate `minhash` and `simhash`) and span-level
//! (`lines`, `paragraphs`).

pub mod bloom;
pub(crate) mod components;
pub mod exact;
pub mod gopher;
pub mod hog;
pub(crate) mod lsh;
pub mod minhash;
pub mod saved;
pub mod shingle;
pub mod simhash;
pub mod suffix_array;
pub mod units;

pub use crate::text::hash::{HashedKeys, PassThroughHasher, content_hash};

#[cfg(test)]
mod tests {
    use crate::model::Doc;
    use crate::strategy::Registry;
    use crate::text::hash::SplitMix64;

    /// Documents with exact copies, near copies and repeated lines and paragraphs.
    fn corpus() -> Vec<Doc> {
        let mut rng = SplitMix64::new(7);
        let mut word = |n: u64| format!("w{}", rng.next_u64() % n);
        let mut docs = Vec::new();
        for i in 0..120 {
            let text = match i % 4 {
                0 | 1 if i >= 8 => {
                    // A near copy of an earlier document: one word changed.
                    let base: &Doc = &docs[i - 8];
                    let mut words: Vec<String> = base.text.split(' ').map(str::to_string).collect();
                    let at = words.len() / 2;
                    words[at] = word(1_000_000);
                    words.join(" ")
                }
                2 if i >= 4 => docs[i - 4].text.clone(),
                _ => {
                    let paragraph =
                        |w: &mut dyn FnMut(u64) -> String| (0..30).map(|_| w(500)).collect::<Vec<_>>().join(" ");
                    let shared = "a line every tenth document repeats\n";
                    let repeat = if i % 10 == 3 { shared } else { "" };
                    format!("{}\n\n{repeat}{}\n", paragraph(&mut word), paragraph(&mut word))
                }
            };
            docs.push(Doc { id: format!("d{i}"), text });
        }
        docs
    }

    /// Every streaming strategy gives its whole-slice output for any split into batches.
    #[test]
    fn batches_of_any_size_give_the_whole_slice_output() {
        let docs = corpus();
        let registry = Registry::builtin();
        let specs = [
            "exact",
            "lines",
            "paragraphs",
            "bloom-paragraphs",
            "minhash@fineweb",
            "minhash:verify=jaccard",
            "minhash:verify=containment",
        ];
        for spec in specs {
            let dedup = registry.dedup(spec).unwrap();
            let whole = dedup.dedup(&docs).unwrap();
            let found =
                whole.cluster.as_ref().map(|c| c.iter().enumerate().filter(|(i, c)| **c as usize != *i).count());
            let spans = whole.dup_spans.as_ref().map(|s| s.iter().filter(|s| !s.is_empty()).count());
            assert!(found.unwrap_or(0) + spans.unwrap_or(0) > 0, "{spec}: the corpus has duplicates to find");
            for size in [1, 7, 50] {
                let mut stream = dedup.stream().unwrap_or_else(|| panic!("{spec} streams"));
                for batch in docs.chunks(size) {
                    stream.push(batch).unwrap();
                }
                let out = crate::strategy::finish_in_memory(stream, &docs).unwrap();
                assert_eq!(out, whole, "{spec} in batches of {size}");
            }
        }
    }
}
