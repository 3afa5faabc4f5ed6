//! serde_path_to_error 0.1.20's deserializer (David Tolnay, MIT OR Apache-2.0; LICENSE-MIT
//! here), vendored with one change: a [`Track`] records map keys and enum variants only when
//! made with [`Track::recording`]. Every input is read through this wrapper, so each input
//! type's `Deserialize` is compiled once for the JSON reader (the crate's own deserializer
//! copies every key into a `String`, which the happy path should not pay for, and a plain read
//! beside it was a second copy of every reader in the Wasm module); only input that failed is
//! read again with recording on, to name the field.

mod de;
mod path;
mod wrap;

use core::cell::Cell;
use std::string::String;

pub use self::de::Deserializer;
pub use self::path::Path;

pub struct Track {
    path: Cell<Option<Path>>,
    /// Keys and variants are copied (and a failure's path built) only when set.
    record: bool,
}

impl Track {
    /// Tracks nothing: for the first read of an input, which usually succeeds.
    pub const fn silent() -> Self {
        Track {
            path: Cell::new(None),
            record: false,
        }
    }

    /// Records the path of the first failure.
    pub const fn recording() -> Self {
        Track {
            path: Cell::new(None),
            record: true,
        }
    }

    /// Gets path at which the error occurred. Only meaningful after we know
    /// that an error has occurred. Returns an empty path otherwise.
    pub fn path(self) -> Path {
        self.path.into_inner().unwrap_or_else(Path::empty)
    }

    #[inline]
    fn trigger<E>(&self, chain: &Chain, err: E) -> E {
        if self.record {
            self.trigger_impl(chain);
        }
        err
    }

    fn trigger_impl(&self, chain: &Chain) {
        self.path.set(Some(match self.path.take() {
            Some(already_set) => already_set,
            None => Path::from_chain(chain),
        }));
    }
}

#[derive(Clone)]
pub(crate) enum Chain<'a> {
    Root,
    Seq {
        parent: &'a Chain<'a>,
        index: usize,
    },
    Map {
        parent: &'a Chain<'a>,
        key: String,
    },
    Struct {
        parent: &'a Chain<'a>,
        key: &'static str,
    },
    Enum {
        parent: &'a Chain<'a>,
        variant: String,
    },
    Some {
        parent: &'a Chain<'a>,
    },
    NewtypeStruct {
        parent: &'a Chain<'a>,
    },
    NewtypeVariant {
        parent: &'a Chain<'a>,
    },
    NonStringKey {
        parent: &'a Chain<'a>,
    },
}
