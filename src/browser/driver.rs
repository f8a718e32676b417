//! Finding the browser and chromedriver executables, and running chromedriver.
//!
//! chromedriver is started in its own process group, so that a Ctrl-C in the terminal reaches
//! Wyrm only (Wyrm then closes the sessions in order) and so that one signal to the group ends
//! chromedriver and every browser it launched. The kernel kills it if Wyrm dies
//! (`PR_SET_PDEATHSIG`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::BrowserError;

/// How to install what is missing, for the error message.
pub const INSTALL_HINT: &str = "install Chromium and ChromeDriver (Debian/Ubuntu: `sudo apt-get install chromium chromium-driver`; \
     elsewhere: Google Chrome plus the matching chromedriver), or set webdriver.binary / webdriver.driver_path \
     in config.yaml, or point webdriver.remote_url (--webdriver-url) at a running WebDriver server";

const BROWSER_NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// Finds an executable by name on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The browser executable: the configured one (which must exist) or the first one on `PATH`.
pub fn locate_browser(configured: Option<&Path>) -> Result<PathBuf, BrowserError> {
    locate("Chromium/Chrome", configured, BROWSER_NAMES)
}

/// The chromedriver executable: the configured one (which must exist) or `chromedriver` on `PATH`.
pub fn locate_driver(configured: Option<&Path>) -> Result<PathBuf, BrowserError> {
    locate("chromedriver", configured, &["chromedriver"])
}

fn locate(
    what: &'static str,
    configured: Option<&Path>,
    names: &[&str],
) -> Result<PathBuf, BrowserError> {
    match configured {
        Some(path) if is_executable(path) => Ok(path.to_path_buf()),
        Some(path) => Err(BrowserError::NotInstalled {
            what,
            hint: format!(
                "{} is not an executable file; {INSTALL_HINT}",
                path.display()
            ),
        }),
        None => names
            .iter()
            .find_map(|name| find_on_path(name))
            .ok_or_else(|| BrowserError::NotInstalled {
                what,
                hint: format!("none of {} is on PATH; {INSTALL_HINT}", names.join(", ")),
            }),
    }
}

/// A running chromedriver on a free loopback port.
pub struct ChromeDriver {
    child: Child,
    pgid: i32,
    url: String,
}

impl ChromeDriver {
    /// Starts chromedriver on port 0 and reads back the port it chose.
    pub async fn start(path: &Path, startup: Duration) -> Result<ChromeDriver, BrowserError> {
        let err = |reason: String| BrowserError::DriverStart {
            path: path.display().to_string(),
            reason,
        };
        let mut command = Command::new(path);
        command
            .arg("--port=0")
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches only the child's own state.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|e| err(e.to_string()))?;
        let pgid = child.id().map(|id| id as i32).unwrap_or_default();
        let stdout = child.stdout.take().ok_or_else(|| err("no stdout".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(startup, async {
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(target: "wyrm::chromedriver", "{line}");
                if let Some(port) = parse_port(&line) {
                    return Some(port);
                }
            }
            None
        })
        .await;
        let port = match port {
            Ok(Some(port)) => port,
            Ok(None) => {
                let _ = child.kill().await;
                return Err(err("it exited before announcing its port".into()));
            }
            Err(_) => {
                let _ = child.kill().await;
                return Err(err(format!(
                    "it did not announce its port within {}s",
                    startup.as_secs()
                )));
            }
        };
        // Keep draining its output so a full pipe can never block it.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::trace!(target: "wyrm::chromedriver", "{line}");
            }
        });
        let url = format!("http://127.0.0.1:{port}");
        tracing::debug!(%url, pid = pgid, "chromedriver started");
        Ok(ChromeDriver { child, pgid, url })
    }

    /// The WebDriver endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The process group holding chromedriver and the browsers it started.
    pub fn process_group(&self) -> i32 {
        self.pgid
    }

    /// Stops chromedriver and everything in its process group, then reaps it.
    pub async fn stop(mut self) {
        let pgid = std::mem::take(&mut self.pgid);
        signal_group(pgid, libc::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(3), self.child.wait())
            .await
            .is_err()
        {
            tracing::warn!("chromedriver did not stop on SIGTERM; killing it");
        }
        // Browsers left in the group (if any) go too; a no-op when the group is empty.
        signal_group(pgid, libc::SIGKILL);
        let _ = self.child.kill().await;
    }
}

/// The file in Wyrm's state directory naming the process group of the run's chromedriver and
/// browsers, so that a run killed with SIGKILL (which cannot clean up) has its orphaned browsers
/// reaped by the next run on the same output directory.
pub const DRIVER_RECORD: &str = "browsers.pid";

/// The directory in Wyrm's state directory holding the browser profiles of local sessions.
/// Keeping them there (rather than in the system's temp directory) lets the next run remove
/// those a SIGKILLed run could not.
pub const PROFILES_DIR: &str = "profiles";

/// Records `pgid` as this process's browser group in `state_dir`.
pub fn record_group(state_dir: &Path, pgid: i32) {
    let line = format!("{pgid} {}\n", std::process::id());
    if let Err(e) = std::fs::create_dir_all(state_dir)
        .and_then(|()| std::fs::write(state_dir.join(DRIVER_RECORD), line))
    {
        tracing::warn!(error = %e, "cannot record the browser process group");
    }
}

/// Forgets the record after a clean shutdown, and the profiles folder once its sessions have
/// removed their own profiles (a profile still in use keeps it).
pub fn forget_group(state_dir: &Path) {
    let _ = std::fs::remove_file(state_dir.join(DRIVER_RECORD));
    let _ = std::fs::remove_dir(state_dir.join(PROFILES_DIR));
}

/// Kills the browsers a dead earlier run left behind (found through its record) and removes
/// their profiles; returns how many processes were killed. A record whose run is still alive is
/// left alone, and so are its profiles. Call it before this run starts any browser.
pub fn reap_orphans(state_dir: &Path) -> usize {
    let record = state_dir.join(DRIVER_RECORD);
    let Ok(text) = std::fs::read_to_string(&record) else {
        remove_stale_profiles(state_dir);
        return 0;
    };
    let mut fields = text.split_whitespace().map(str::parse::<i32>);
    let (Some(Ok(pgid)), Some(Ok(owner))) = (fields.next(), fields.next()) else {
        let _ = std::fs::remove_file(&record);
        return 0;
    };
    if owner as u32 != std::process::id() && process_alive(owner) {
        tracing::warn!(owner, "another Wyrm run seems to use this output directory");
        return 0;
    }
    let victims = browser_processes_in_group(pgid);
    for pid in &victims {
        // SAFETY: kill(2) on a process verified to be a browser of the recorded group.
        unsafe {
            libc::kill(*pid, libc::SIGKILL);
        }
    }
    if !victims.is_empty() {
        tracing::warn!(
            count = victims.len(),
            "killed browser processes orphaned by an earlier run that was killed"
        );
    }
    let _ = std::fs::remove_file(&record);
    remove_stale_profiles(state_dir);
    victims.len()
}

/// Removes the profile directories of earlier runs (no run of this output directory is alive).
fn remove_stale_profiles(state_dir: &Path) {
    let profiles = state_dir.join(PROFILES_DIR);
    match std::fs::remove_dir_all(&profiles) {
        Ok(()) => {
            tracing::info!(path = %profiles.display(), "removed browser profiles left by an earlier run")
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(path = %profiles.display(), error = %e, "cannot remove old browser profiles")
        }
    }
}

fn process_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next();
            !matches!(state, Some("Z") | Some("X"))
        })
        .unwrap_or(false)
}

/// Live chromium / chromedriver processes whose process group is `pgid`.
fn browser_processes_in_group(pgid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                return false;
            };
            let comm = &stat[open + 1..close];
            // After the comm: state, ppid, pgrp.
            let group = stat[close + 1..].split_whitespace().nth(2);
            comm.starts_with("chrom") && group == Some(pgid.to_string().as_str())
        })
        .collect()
}

/// Without an orderly [`ChromeDriver::stop`] (a panic unwinding past it), the whole group is
/// killed, so that no browser outlives the driver that started it.
impl Drop for ChromeDriver {
    fn drop(&mut self) {
        signal_group(self.pgid, libc::SIGKILL);
    }
}

/// Sends `signal` to every process in the group `pgid` (never to group 0 or 1).
pub fn signal_group(pgid: i32, signal: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

/// Reads the port from chromedriver's "ChromeDriver was started successfully on port N." line.
fn parse_port(line: &str) -> Option<u16> {
    let rest = line.split("started successfully on port ").nth(1)?;
    rest.trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_is_read_from_the_startup_line() {
        assert_eq!(
            parse_port("ChromeDriver was started successfully on port 40123."),
            Some(40123)
        );
        assert_eq!(parse_port("Starting ChromeDriver 156 on port 0"), None);
    }

    #[test]
    fn a_configured_binary_that_does_not_exist_gives_the_install_hint() {
        let err = locate_browser(Some(Path::new("/nonexistent/chromium"))).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("/nonexistent/chromium"), "{text}");
        assert!(text.contains("apt-get install chromium"), "{text}");
    }
}
