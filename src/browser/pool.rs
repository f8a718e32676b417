//! Hands browser sessions to workers, one worker per session at a time.
//!
//! The orchestrator's semaphore bounds how many workers run, so the pool never holds more
//! sessions than there are permits. In `pooled` mode a session goes back to the idle list after a
//! successful item and is reused warm (it already shows the portal); a session whose item failed
//! is closed, because a half-expanded sidebar or a crashed tab is no base for the next item. In
//! `per_item` mode every lease is a fresh browser that is closed when it is returned.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{Backend, BrowserResult, Session};
use crate::config::SessionMode;

/// A session checked out by one worker.
pub struct Lease {
    session: Box<dyn Session>,
    /// Items this session has served.
    pub uses: u32,
    /// Whether the session already shows the portal (so the next item needs no navigation).
    pub on_portal: bool,
}

impl Lease {
    pub fn session(&self) -> &dyn Session {
        self.session.as_ref()
    }
}

/// Counters for tests, benchmarks and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub created: usize,
    pub closed: usize,
    pub peak_open: usize,
}

pub struct SessionPool {
    backend: Arc<dyn Backend>,
    mode: SessionMode,
    recycle_after: u32,
    idle: Mutex<Vec<Lease>>,
    created: AtomicUsize,
    closed: AtomicUsize,
    open: AtomicUsize,
    peak_open: AtomicUsize,
}

impl SessionPool {
    pub fn new(backend: Arc<dyn Backend>, mode: SessionMode, recycle_after: u32) -> SessionPool {
        SessionPool {
            backend,
            mode,
            recycle_after,
            idle: Mutex::new(Vec::new()),
            created: AtomicUsize::new(0),
            closed: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            peak_open: AtomicUsize::new(0),
        }
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// An idle warm session, or a new one.
    pub async fn checkout(&self) -> BrowserResult<Lease> {
        if self.mode == SessionMode::Pooled {
            if let Some(lease) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
                return Ok(lease);
            }
        }
        self.fresh().await
    }

    /// A new session for a retry, which must not inherit a suspect browser. An idle session is
    /// closed first: its slot may be what the new session needs (a Grid that lost a node has
    /// fewer slots than workers, and parked sessions would otherwise hold them all).
    pub async fn replacement(&self) -> BrowserResult<Lease> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        if let Some(lease) = idle {
            self.close(lease).await;
        }
        self.fresh().await
    }

    /// Always a new session.
    pub async fn fresh(&self) -> BrowserResult<Lease> {
        let session = self.backend.new_session().await?;
        if let Some(node) = session.location() {
            tracing::info!(
                node,
                session = session.id(),
                "browser session started on a Grid node"
            );
        }
        self.created.fetch_add(1, Ordering::SeqCst);
        let open = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_open.fetch_max(open, Ordering::SeqCst);
        Ok(Lease {
            session,
            uses: 0,
            on_portal: false,
        })
    }

    /// Returns a session that just served an item successfully.
    pub async fn checkin(&self, mut lease: Lease) {
        lease.uses += 1;
        let keep = self.mode == SessionMode::Pooled && lease.uses < self.recycle_after;
        if keep {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(lease);
                return;
            }
        }
        self.close(lease).await;
    }

    /// Parks a session that is warm but has served no item yet (the one discovery used).
    pub async fn checkin_warm(&self, lease: Lease) {
        if self.mode == SessionMode::Pooled {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(lease);
                return;
            }
        }
        self.close(lease).await;
    }

    /// Closes a session that must not be reused.
    pub async fn discard(&self, lease: Lease) {
        self.close(lease).await;
    }

    /// Closes every idle session (at the end of a run).
    pub async fn drain(&self) {
        let idle: Vec<Lease> = match self.idle.lock() {
            Ok(mut idle) => idle.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        futures::future::join_all(idle.into_iter().map(|lease| self.close(lease))).await;
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            created: self.created.load(Ordering::SeqCst),
            closed: self.closed.load(Ordering::SeqCst),
            peak_open: self.peak_open.load(Ordering::SeqCst),
        }
    }

    async fn close(&self, lease: Lease) {
        let id = lease.session.id().to_string();
        if let Err(e) = lease.session.close().await {
            tracing::debug!(session = %id, error = %e, "closing a session failed");
        }
        self.closed.fetch_add(1, Ordering::SeqCst);
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}
