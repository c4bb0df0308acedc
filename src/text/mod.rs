//! Text kernels every layer above may use: normalisation ([`norm`]), white space ([`space`]),
//! span algebra ([`spans`]) and specified hashes ([`hash`]). Nothing here knows about datasets,
//! strategies or metrics.

pub mod hash;
pub mod norm;
pub mod space;
pub mod spans;

pub use norm::Norm;
pub use space::Space;
pub use spans::Spans;
