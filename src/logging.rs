//! Logging through `tracing`: human lines on the console at the configured level, and JSON lines
//! (for machines) in the log file.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogLevel;

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the log file {path}: {source}")]
pub struct LogError {
    path: String,
    source: std::io::Error,
}

/// Installs the global subscriber. Wyrm's own crates log at `level`; dependencies only warn.
/// `RUST_LOG` overrides the console filter for debugging.
pub fn init(level: LogLevel, log_file: &Path) -> Result<(), LogError> {
    let err = |source| LogError {
        path: log_file.display().to_string(),
        source,
    };
    if let Some(dir) = log_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file)
        .map_err(err)?;
    let directive = format!("warn,wyrm={}", level.as_filter());
    let console_filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{directive},wyrm::progress=off")));
    let console = tracing_subscriber::fmt::layer()
        .with_writer(ConsoleWriter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .compact()
        .with_filter(console_filter);
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_filter(EnvFilter::new(directive));
    // A second init (tests running several commands in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(console)
        .with(json)
        .try_init();
    Ok(())
}

/// Writes log lines to stderr with the progress bar suspended, so the bar never tears.
struct ConsoleWriter;

impl<'a> MakeWriter<'a> for ConsoleWriter {
    type Writer = ConsoleLine;
    fn make_writer(&'a self) -> Self::Writer {
        ConsoleLine(Vec::new())
    }
}

/// One buffered log line, flushed as a whole.
struct ConsoleLine(Vec<u8>);

impl Write for ConsoleLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ConsoleLine {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let bytes = std::mem::take(&mut self.0);
            crate::progress::suspend(|| {
                let _ = std::io::stderr().write_all(&bytes);
            });
        }
    }
}
