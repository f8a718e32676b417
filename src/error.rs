//! The crate's error types, gathered for callers that want one import.

pub use crate::browser::BrowserError;
pub use crate::config::ConfigError;
pub use crate::orchestrator::worker::ItemError;
pub use crate::orchestrator::RunError;
pub use crate::page::PageError;
pub use crate::sidebar::discover::DiscoverError;
pub use crate::storage::StorageError;
