//! A real Selenium Grid on 127.0.0.1 for the tests and the benchmark: one hub and two nodes,
//! each node serving at most two Chromium sessions through the chromedriver on PATH.
//!
//! The Selenium server jar comes from the npm package `@nightwatch/selenium-server`; `make test`
//! fetches it into `.cache/selenium/`. `WYRM_SELENIUM_JAR` points elsewhere.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// A running hub and its nodes; every process is stopped when this is dropped.
pub struct Grid {
    pub url: String,
    hub: Child,
    nodes: Vec<Option<Child>>,
    logs: tempfile::TempDir,
}

/// Where the Selenium server jar is.
pub fn selenium_jar() -> PathBuf {
    std::env::var_os("WYRM_SELENIUM_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/selenium/selenium-server.jar")
        })
}

/// A free loopback port (bound, read, released: the Grid needs fixed port numbers).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn java(args: &[String], log: PathBuf) -> Child {
    let log = std::fs::File::create(log).expect("grid log file");
    let mut cmd = Command::new("java");
    cmd.arg("-jar")
        .arg(selenium_jar())
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .process_group(0)
        .kill_on_drop(true);
    cmd.spawn()
        .expect("java starts (install default-jre-headless)")
}

impl Grid {
    /// Starts a hub and `nodes` nodes with `sessions` slots each, and waits until the hub
    /// reports them all.
    pub async fn start(nodes: usize, sessions: usize) -> Grid {
        assert!(
            selenium_jar().is_file(),
            "no Selenium server jar at {} (run `make test`, which fetches it)",
            selenium_jar().display()
        );
        let logs = tempfile::tempdir().expect("temp dir");
        let (hub_port, publish, subscribe) = (free_port(), free_port(), free_port());
        let events = |args: &mut Vec<String>| {
            args.extend([
                "--publish-events".into(),
                format!("tcp://127.0.0.1:{publish}"),
                "--subscribe-events".into(),
                format!("tcp://127.0.0.1:{subscribe}"),
            ]);
        };
        let mut hub_args: Vec<String> = vec![
            "hub".into(),
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            hub_port.to_string(),
            // Notice a dead node within seconds rather than the default two minutes.
            "--healthcheck-interval".into(),
            "2".into(),
        ];
        events(&mut hub_args);
        let hub = java(&hub_args, logs.path().join("hub.log"));
        let url = format!("http://127.0.0.1:{hub_port}");
        // The nodes run the chromedriver on PATH, as a user's Grid would.
        let chromedriver = wyrm::browser::driver::find_on_path("chromedriver")
            .expect("chromedriver on PATH (make test installs it)");
        let mut children = Vec::new();
        for n in 0..nodes {
            let mut args: Vec<String> = vec![
                "node".into(),
                "--host".into(),
                "127.0.0.1".into(),
                "--port".into(),
                free_port().to_string(),
                "--hub".into(),
                url.clone(),
                "--selenium-manager".into(),
                "false".into(),
                "--detect-drivers".into(),
                "false".into(),
                "--max-sessions".into(),
                sessions.to_string(),
                "--heartbeat-period".into(),
                "2".into(),
                "--driver-configuration".into(),
                "display-name=chromium".into(),
                format!("max-sessions={sessions}"),
                r#"stereotype={"browserName":"chrome"}"#.into(),
                format!("webdriver-executable={}", chromedriver.display()),
            ];
            events(&mut args);
            children.push(Some(java(&args, logs.path().join(format!("node{n}.log")))));
        }
        let grid = Grid {
            url,
            hub,
            nodes: children,
            logs,
        };
        grid.wait_until(Duration::from_secs(90), |status| {
            status["value"]["ready"] == true
                && status["value"]["nodes"].as_array().is_some_and(|n| {
                    n.iter().filter(|n| n["availability"] == "UP").count() == nodes
                })
        })
        .await;
        grid
    }

    /// The hub's `/status` document.
    pub async fn status(&self) -> serde_json::Value {
        let port = self.url.rsplit(':').next().unwrap_or_default();
        get_json(&format!("127.0.0.1:{port}"), "/status")
            .await
            .unwrap_or(serde_json::Value::Null)
    }

    /// Sessions the Grid currently holds, per node URI, for the nodes that are up.
    pub async fn sessions_per_node(&self) -> Vec<(String, usize)> {
        let status = self.status().await;
        status["value"]["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .filter(|n| n["availability"] == "UP")
                    .map(|n| {
                        let held = n["slots"]
                            .as_array()
                            .map(|s| s.iter().filter(|s| !s["session"].is_null()).count())
                            .unwrap_or(0);
                        (n["uri"].as_str().unwrap_or_default().to_string(), held)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (bounded) until `condition` holds for the status document.
    pub async fn wait_until(
        &self,
        limit: Duration,
        mut condition: impl FnMut(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.status().await;
            if condition(&status) {
                return status;
            }
            if Instant::now() > deadline {
                panic!(
                    "the Grid did not reach the expected state: {status}\nhub log:\n{}",
                    std::fs::read_to_string(self.logs.path().join("hub.log")).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Kills node `n` and everything it started (its process group), as a crash would.
    pub async fn kill_node(&mut self, n: usize) {
        if let Some(mut child) = self.nodes[n].take() {
            kill_group(&child);
            let _ = child.wait().await;
        }
    }
}

fn kill_group(child: &Child) {
    if let Some(pid) = child.id() {
        // SAFETY: signals the process group of a child this harness started.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGKILL);
        }
    }
}

impl Drop for Grid {
    fn drop(&mut self) {
        for child in self.nodes.iter().flatten() {
            kill_group(child);
        }
        kill_group(&self.hub);
    }
}

/// A plain HTTP/1.1 GET of a JSON document on loopback.
async fn get_json(addr: &str, path: &str) -> Option<serde_json::Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    serde_json::from_str(&body).ok()
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}
