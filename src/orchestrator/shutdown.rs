//! Shutdown as an explicit signal passed to whoever must react to it.
//!
//! Level 1 (first Ctrl-C): start nothing new, let in-flight items finish within the grace period.
//! Level 2 (second Ctrl-C): stop at once; browsers are killed without ceremony.

use tokio::sync::watch;

/// The sending side, held by whoever listens for signals.
#[derive(Debug, Clone)]
pub struct ShutdownTrigger(watch::Sender<u8>);

/// The receiving side, cloned into every part that must stop.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<u8>);

/// A connected trigger and signal.
pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(0);
    (ShutdownTrigger(tx), Shutdown(rx))
}

impl ShutdownTrigger {
    /// Raises the level by one and returns the new level.
    pub fn escalate(&self) -> u8 {
        let mut level = 0;
        self.0.send_modify(|l| {
            *l = l.saturating_add(1);
            level = *l;
        });
        level
    }
}

impl Shutdown {
    /// A signal that never fires (library use without signal handling).
    pub fn never() -> Shutdown {
        let (tx, rx) = watch::channel(0);
        // Keep the sender alive for the program's life so `changed()` never errors.
        std::mem::forget(tx);
        Shutdown(rx)
    }

    pub fn level(&self) -> u8 {
        *self.0.borrow()
    }

    pub fn is_requested(&self) -> bool {
        self.level() >= 1
    }

    /// Resolves once the level is at least `level`.
    pub async fn reached(&mut self, level: u8) {
        while *self.0.borrow_and_update() < level {
            if self.0.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
