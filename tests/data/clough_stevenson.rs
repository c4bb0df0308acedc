//! The Clough-Stevenson corpus loads from its distributed layout with the counts its
//! documentation gives. Reported as ignored when ../shared/data is absent.

use std::collections::HashMap;

use corpusbench::corpus::discover;
use corpusbench::model::Items;

pub fn clough_stevenson_loads_sources_answers_and_categories() {
    let dir = crate::shared("dedup/clough-stevenson");
    let (datasets, errors) = discover(&[dir.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    let ds = &datasets[0];
    assert_eq!(ds.format, "clough-stevenson");
    let Items::Dedup { docs, gold } = &ds.items else { panic!("not a dedup dataset") };
    assert_eq!(docs.len(), 100);
    let cats = gold.categories.as_ref().unwrap();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for c in cats {
        *count.entry(c.as_str()).or_default() += 1;
    }
    // SOURCE_AND_LICENSE.md: 5 sources; answers cut 19, light 19, heavy 19, non 38.
    assert_eq!(count["orig"], 5);
    assert_eq!(count["cut"] + count["light"] + count["heavy"] + count["non"], 95);
    assert_eq!((count["cut"], count["light"], count["heavy"], count["non"]), (19, 19, 19, 38));
    // Sources first; each derived answer shares its source's cluster, each `non` is alone.
    assert!(docs[..5].iter().all(|d| d.id.starts_with("orig_task")));
    let clusters = gold.clusters.as_ref().unwrap();
    let mut sizes: HashMap<u32, usize> = HashMap::new();
    for &c in clusters {
        *sizes.entry(c).or_default() += 1;
    }
    let derived: usize = (0..5).map(|i| sizes[&clusters[i]] - 1).sum();
    assert_eq!(derived, 57);
    assert_eq!(sizes.len(), 5 + 38);
    // Non-UTF-8 answers are read as Windows-1252: no replacement characters anywhere, and
    // g4pB_taske.txt's 0x97 byte is an em dash.
    assert!(docs.iter().all(|d| !d.text.contains('\u{FFFD}')));
    let g4pb = docs.iter().find(|d| d.id == "g4pB_taske.txt").unwrap();
    assert!(g4pb.text.contains('\u{2014}'));
}
