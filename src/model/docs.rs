//! The documents of a dedup dataset as scoring sees them ([`DocView`]): ids and lengths always,
//! texts on request. They are held in memory (`[Doc]`) or streamed from their files
//! ([`StreamedDocs`]: ids and lengths in memory, texts read again through a [`DocSource`]).

use std::borrow::Cow;
use std::sync::Arc;

use super::Doc;

/// What the metrics and checks read of a dataset's documents.
pub trait DocView: Sync {
    /// Number of documents.
    fn count(&self) -> usize;
    /// Id of document `i`.
    fn id(&self, i: usize) -> &str;
    /// Length of document `i`'s text in Unicode scalars (the unit of span offsets).
    fn char_len(&self, i: usize) -> usize;
    /// Texts of the documents `wanted` (sorted, distinct indices), in that order.
    fn texts(&self, wanted: &[u32]) -> Result<Vec<Cow<'_, str>>, String>;
}

impl DocView for [Doc] {
    fn count(&self) -> usize {
        self.len()
    }
    fn id(&self, i: usize) -> &str {
        &self[i].id
    }
    fn char_len(&self, i: usize) -> usize {
        self[i].text.chars().count()
    }
    fn texts(&self, wanted: &[u32]) -> Result<Vec<Cow<'_, str>>, String> {
        Ok(wanted.iter().map(|&i| Cow::Borrowed(self.get(i as usize).map_or("", |d| d.text.as_str()))).collect())
    }
}

impl DocView for Vec<Doc> {
    fn count(&self) -> usize {
        self.len()
    }
    fn id(&self, i: usize) -> &str {
        self.as_slice().id(i)
    }
    fn char_len(&self, i: usize) -> usize {
        self.as_slice().char_len(i)
    }
    fn texts(&self, wanted: &[u32]) -> Result<Vec<Cow<'_, str>>, String> {
        self.as_slice().texts(wanted)
    }
}

/// Where a streamed dataset's documents are read again, in dataset order (implemented by the
/// loaders, which know the files).
pub trait DocSource: Send + Sync + std::fmt::Debug {
    /// Calls `each` with every document in dataset order, in batches of about `batch_bytes` of
    /// text; stops at the first error of `each` or of reading.
    fn batches(&self, batch_bytes: usize, each: &mut dyn FnMut(&[Doc]) -> Result<(), String>) -> Result<(), String>;
    /// Calls `each(index, doc)` for the documents `wanted` (sorted, distinct indices in dataset
    /// order), in that order, reading no more of the others than it must to skip them.
    fn select(&self, wanted: &[u32], each: &mut dyn FnMut(u32, Doc)) -> Result<(), String>;
    /// The source as its concrete type, so a layer that knows the loaders' types can hand it
    /// to a worker instead of the documents.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A dedup dataset's documents without their texts: what scoring needs, a few dozen bytes a
/// document, and the source that reads the texts again.
#[derive(Debug, Clone)]
pub struct StreamedDocs {
    /// Ids, in dataset order.
    pub ids: Vec<Box<str>>,
    /// Text lengths in Unicode scalars.
    pub char_lens: Vec<u32>,
    /// Text bytes in all.
    pub bytes: u64,
    /// Reads the documents again.
    pub source: Arc<dyn DocSource>,
}

/// The batch size of streamed reading: about this many bytes of text at a time.
pub const BATCH_BYTES: usize = 32 << 20;

impl DocView for StreamedDocs {
    fn count(&self) -> usize {
        self.ids.len()
    }
    fn id(&self, i: usize) -> &str {
        &self.ids[i]
    }
    fn char_len(&self, i: usize) -> usize {
        self.char_lens[i] as usize
    }
    fn texts(&self, wanted: &[u32]) -> Result<Vec<Cow<'_, str>>, String> {
        let mut out = Vec::with_capacity(wanted.len());
        self.source.select(wanted, &mut |_, doc| out.push(Cow::Owned(doc.text)))?;
        if out.len() != wanted.len() {
            return Err(format!("{} of {} documents could be read again", out.len(), wanted.len()));
        }
        Ok(out)
    }
}
