//! A seeded generator of the MinHash benchmark corpus: documents of random words from a fixed
//! made-up vocabulary, with planted near-duplicates (a copy of an earlier document with a few
//! words replaced). Shared by `benches/minhash.rs` and `examples/gen_bench_corpus.rs`, so the
//! Rust bench and the Python peers read the same documents.
//!
//! It is deliberately tiny: no language model, no realistic word frequencies.

/// Documents in the benchmark corpus.
pub const DOCS: usize = 20_000;
/// Target document size in bytes.
pub const DOC_BYTES: usize = 9_000;
/// Every `COPY_EVERY`-th document is a near-copy of an earlier original.
pub const COPY_EVERY: usize = 10;
/// Words replaced in each near-copy.
pub const EDITS: usize = 10;

/// The generated corpus: texts, and per text the index of the original it copies (itself for
/// originals), so the planted clusters are known.
pub struct Corpus {
    /// Document texts.
    pub texts: Vec<String>,
    /// Per document: the index of its cluster's original.
    pub cluster: Vec<usize>,
}

impl Corpus {
    /// Number of planted clusters (originals).
    pub fn clusters(&self) -> usize {
        self.cluster.iter().enumerate().filter(|&(i, &c)| i == c).count()
    }

    /// Total text bytes.
    pub fn bytes(&self) -> u64 {
        self.texts.iter().map(|t| t.len() as u64).sum()
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// 20,000 made-up words of two to four syllables.
fn vocabulary(rng: &mut Rng) -> Vec<String> {
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ta", "ri", "so", "vu", "pe", "da", "gor", "lin", "bar", "ste", "qua", "zen", "mor",
        "tal", "ver", "han", "ol", "ex", "un", "ry",
    ];
    (0..20_000)
        .map(|_| (0..2 + rng.below(3)).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect::<String>())
        .collect()
}

/// The corpus for `seed`, with `docs` documents.
pub fn generate(seed: u64, docs: usize) -> Corpus {
    let mut rng = Rng(seed);
    let vocab = vocabulary(&mut rng);
    let mut texts: Vec<String> = Vec::with_capacity(docs);
    let mut cluster = Vec::with_capacity(docs);
    for i in 0..docs {
        if i % COPY_EVERY == COPY_EVERY - 1 {
            // A near-copy of a random earlier original: EDITS words replaced.
            let mut src = rng.below(i);
            while cluster[src] != src {
                src = rng.below(i);
            }
            let mut words: Vec<&str> = texts[src].split(' ').collect();
            for _ in 0..EDITS {
                let at = rng.below(words.len());
                words[at] = &vocab[rng.below(vocab.len())];
            }
            let copy = words.join(" ");
            texts.push(copy);
            cluster.push(src);
        } else {
            let mut text = String::with_capacity(DOC_BYTES + 64);
            let mut sentence = 0;
            while text.len() < DOC_BYTES {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&vocab[rng.below(vocab.len())]);
                sentence += 1;
                if sentence > 8 + rng.below(12) {
                    text.push('.');
                    sentence = 0;
                }
            }
            texts.push(text);
            cluster.push(i);
        }
    }
    Corpus { texts, cluster }
}
