//! `simhash`: near-duplicate documents by 64-bit SimHash fingerprints (Charikar 2002) within
//! Hamming distance `k`, found with permuted tables (Manku, Jain and Das Sarma 2007).
//!
//! Each shingle (see [`super::shingle`]) is hashed with xxh3-64; a fingerprint bit is set when
//! the shingles whose hash has that bit set outweigh those that do not, every occurrence
//! counting once (weight = count). Two fingerprints within distance `k` agree exactly on at
//! least one of `k + 1` bit blocks (pigeonhole), so documents are grouped by each block in turn
//! and only those sharing a block are compared. Matches are joined by union-find, each cluster
//! labelled by its first document.
//!
//! Not done: IDF or other feature weights, and fingerprints wider than 64 bits. With a large
//! `k` the blocks become short and the tables degrade towards comparing every pair.

use rayon::prelude::*;

use super::components::{Groups, MAX_LISTED_PAIRS, bucket_pairs_sorted, bucket_star, pair_count};
use super::shingle::{Scratch, Shingler, ngram_param, norm_param, shingler_from, unit_param};
use crate::error::Error;
use crate::model::{Doc, Pairs};
use crate::strategy::{DedupOutput, Deduplicator, ParamSpec, Params, StrategyError};

/// Parameters of `simhash`.
pub const PARAMS: &[ParamSpec] = &[
    norm_param("ccnet"),
    unit_param("word"),
    ngram_param("3"),
    ParamSpec { name: "k", default: "3", help: "largest Hamming distance between near-duplicate fingerprints (< 64)" },
];

/// SimHash deduplication.
#[derive(Debug, Clone)]
pub struct SimHash {
    shingler: Shingler,
    k: u32,
}

impl SimHash {
    /// Builds from spec parameters.
    pub fn new(params: &Params) -> Result<SimHash, Error> {
        let shingler = shingler_from(params)?;
        let k = params.usize("k")?;
        if k >= 64 {
            return Err(Error::Spec(format!("strategy `simhash`: k = {k} must be below 64")));
        }
        Ok(SimHash { shingler, k: k as u32 })
    }

    /// The fingerprint of one text; `None` when it has no shingle.
    pub fn fingerprint(&self, text: &str, scratch: &mut Scratch) -> Option<u64> {
        // Count, per bit, the shingles whose hash has it set; the bit is set in the fingerprint
        // when those outnumber the rest (+1/-1 votes summed > 0).
        let mut ones = [0u32; 64];
        let mut total = 0u64;
        self.shingler.for_each_hash(text, scratch, |h| {
            total += 1;
            for (bit, c) in ones.iter_mut().enumerate() {
                *c += ((h >> bit) & 1) as u32;
            }
        });
        (total > 0)
            .then(|| ones.iter().enumerate().fold(0u64, |fp, (bit, &c)| fp | (((2 * c as u64 > total) as u64) << bit)))
    }
}

/// Bit range `[lo, hi)` of block `i` of `blocks` near-equal blocks of 64 bits.
fn block(i: u32, blocks: u32) -> (u32, u32) {
    (i * 64 / blocks, (i + 1) * 64 / blocks)
}

fn block_key(fp: u64, (lo, hi): (u32, u32)) -> u64 {
    let width = hi - lo;
    let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
    (fp >> lo) & mask
}

/// Pairs `(i, j)`, `i < j`, of fingerprints within Hamming distance `k`, each reported once
/// (by the first block the two share), in block order then bucket order; and whether they are
/// listed. Over [`MAX_LISTED_PAIRS`] same-block pairs, each block bucket's first document is
/// tested against each other member only (star edges: linear, and the same clusters when every
/// member of a bucket is within `k` of its first).
pub fn near_pairs(fps: &[Option<u64>], k: u32) -> (Vec<(u32, u32)>, bool) {
    let blocks = k + 1;
    let per_block: Vec<Vec<(u64, u32)>> = (0..blocks)
        .into_par_iter()
        .map(|t| {
            let range = block(t, blocks);
            let mut entries: Vec<(u64, u32)> =
                fps.iter().enumerate().filter_map(|(d, fp)| fp.map(|f| (block_key(f, range), d as u32))).collect();
            entries.sort_unstable();
            entries
        })
        .collect();
    let listed = per_block.iter().map(|e| pair_count(e)).sum::<u64>() <= MAX_LISTED_PAIRS;
    let near = |i: u32, j: u32| match (fps[i as usize], fps[j as usize]) {
        (Some(fi), Some(fj)) => (fi ^ fj).count_ones() <= k,
        _ => false,
    };
    let pairs: Vec<Vec<(u32, u32)>> = per_block
        .par_iter()
        .enumerate()
        .map(|(t, entries)| {
            let t = t as u32;
            if !listed {
                return bucket_star(entries, near);
            }
            bucket_pairs_sorted(entries, |i, j| {
                let (Some(fi), Some(fj)) = (fps[i as usize], fps[j as usize]) else { return false };
                let earlier = (0..t).any(|s| block_key(fi, block(s, blocks)) == block_key(fj, block(s, blocks)));
                !earlier && near(i, j)
            })
        })
        .collect();
    (pairs.concat(), listed)
}

impl Deduplicator for SimHash {
    fn name(&self) -> &str {
        "simhash"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        if docs.len() > u32::MAX as usize {
            return Err(StrategyError("simhash: more than 2^32 documents".into()));
        }
        let fps: Vec<Option<u64>> =
            docs.par_iter().map_init(Scratch::default, |s, doc| self.fingerprint(&doc.text, s)).collect();
        // Equal fingerprints are within any distance of each other: each group enters the
        // index once, and its pairs are counted, not listed.
        let content: Vec<Option<&u64>> = fps.iter().map(Option::as_ref).collect();
        let hashes: Vec<u128> = fps.iter().map(|f| u128::from(f.unwrap_or(0))).collect();
        let groups = Groups::of(&content, &hashes);
        let firsts: std::borrow::Cow<'_, [Option<u64>]> = if groups.collapsed == 0 {
            std::borrow::Cow::Borrowed(&fps)
        } else {
            fps.iter().enumerate().map(|(d, f)| if groups.is_first(d) { *f } else { None }).collect()
        };
        let (edges, listed) = near_pairs(&firsts, self.k);
        let cluster = groups.cluster_labels(&edges);
        let (mut stats, pairs) = if listed {
            // Listed pairs are distinct; with groups, each stands for many.
            let pairs = Pairs { edges, group: groups.table() };
            let n = if pairs.group.is_some() { pairs.count() } else { pairs.edges.len() as u64 };
            (vec![("near_pairs".to_string(), n as f64)], Some(pairs))
        } else {
            (vec![("star_edges".to_string(), edges.len() as f64)], None)
        };
        stats.push(("identical_docs".to_string(), groups.collapsed as f64));
        Ok(DedupOutput { cluster: Some(cluster), pairs, stats, ..DedupOutput::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::spec::parse;
    use xxhash_rust::xxh3::xxh3_64;

    fn build(spec: &str) -> SimHash {
        let p = parse(spec).unwrap();
        SimHash::new(&Params::new("simhash", PARAMS, &p.params).unwrap()).unwrap()
    }

    fn docs(texts: &[String]) -> Vec<Doc> {
        texts.iter().enumerate().map(|(i, t)| Doc { id: format!("d{i}"), text: t.clone() }).collect()
    }

    #[test]
    fn fingerprint_is_weighted_majority_by_hand() {
        // Unigrams "a" (twice) and "b" (once): bit j is set iff 2*bit_j(h_a) + bit_j(h_b) > 1.5,
        // i.e. iff it is set in h_a (two votes beat one).
        let s = build("simhash:ngram=1,norm=ws");
        let fp = s.fingerprint("a b a", &mut Scratch::default()).unwrap();
        assert_eq!(fp, xxh3_64(b"a"));
        // One shingle: its hash is the fingerprint.
        assert_eq!(s.fingerprint("zeta", &mut Scratch::default()), Some(xxh3_64(b"zeta")));
        assert_eq!(s.fingerprint("  ", &mut Scratch::default()), None);
    }

    #[test]
    fn near_pairs_by_hand() {
        // k = 3 -> 4 blocks of 16 bits. d0 and d1 differ in 3 bits spread over 3 blocks (they still
        // share one); d2 differs from d0 in 4 bits, one per block; d3 is absent.
        let f0 = 0x1234_5678_9abc_def0u64;
        let f1 = f0 ^ (1 | 1 << 20 | 1 << 40);
        let f2 = f0 ^ (1 | 1 << 20 | 1 << 40 | 1 << 60);
        let pairs = near_pairs(&[Some(f0), Some(f1), Some(f2), None], 3);
        assert_eq!(pairs, (vec![(1, 2), (0, 1)], true));
    }

    #[test]
    fn copies_over_the_listing_bound_keep_their_pairs() {
        // 7,000 equal fingerprints: 24.5M pairs per block, over the bound, now one group.
        let texts: Vec<String> = std::iter::repeat_n("one two three four five six seven".to_string(), 7000)
            .chain(std::iter::once("an unrelated short line of other words".to_string()))
            .collect();
        let out = build("simhash").dedup(&docs(&texts)).unwrap();
        let mut expected = vec![0u32; 7001];
        expected[7000] = 7000;
        assert_eq!(out.cluster, Some(expected));
        assert_eq!(out.pairs.map(|p| p.count()), Some(7000 * 6999 / 2));
        let stat = |name: &str| out.stats.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        assert_eq!((stat("identical_docs"), stat("near_pairs")), (Some(6999.0), Some(7000.0 * 6999.0 / 2.0)));
    }

    #[test]
    fn near_duplicates_cluster_and_unrelated_stay_apart() {
        let mut s = 3u64;
        let mut word = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            crate::strategy::dedup::minhash::tests::letters((s >> 33) % 3000)
        };
        let base: Vec<String> = (0..400).map(|_| word()).collect();
        let other: Vec<String> = (0..400).map(|_| word()).collect();
        let mut edited = base.clone();
        edited[200] = "changed".into();
        let texts = [base.join(" "), other.join(" "), edited.join(" ")];
        let a = build("simhash").dedup(&docs(&texts)).unwrap();
        assert_eq!(a.cluster, Some(vec![0, 1, 0]));
        assert_eq!(a, build("simhash").dedup(&docs(&texts)).unwrap());
    }

    #[test]
    fn k_of_64_is_rejected() {
        let p = parse("simhash:k=64").unwrap();
        assert!(SimHash::new(&Params::new("simhash", PARAMS, &p.params).unwrap()).is_err());
    }
}
