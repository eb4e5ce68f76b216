//! `rook-notify serve` as a separate process, for what only a real process shows: a crash (SIGKILL)
//! and several processes sharing one database.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::app::ADMIN_TOKEN;

/// A running `rook-notify serve` child process; killed when dropped.
pub struct ServeProcess {
    child: Child,
    pub base_url: String,
}

impl ServeProcess {
    /// Starts `rook-notify serve` on `database_url` with a free port and test-friendly settings, plus
    /// `env`, and waits until it is ready.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with_stderr(database_url, env, Stdio::inherit(), free_port()).await
    }

    /// As [`ServeProcess::start`], on a given port: a restarted process takes its predecessor's address,
    /// as it would behind a load balancer.
    pub async fn start_on(port: u16, database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with_stderr(database_url, env, Stdio::inherit(), port).await
    }

    /// As [`ServeProcess::start`], with the process's standard error (its log) written to `log`.
    pub async fn start_logging_to(database_url: &str, env: &[(&str, &str)], log: &std::path::Path) -> Self {
        let file = std::fs::File::create(log).expect("a log file");
        Self::start_with_stderr(database_url, env, Stdio::from(file), free_port()).await
    }

    async fn start_with_stderr(database_url: &str, env: &[(&str, &str)], stderr: Stdio, port: u16) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rook-notify"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("ROOK_NOTIFY_API_TOKEN", ADMIN_TOKEN)
            .env("ROOK_NOTIFY_SECRET_KEY", super::TEST_SECRET_KEY)
            .env("ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS", "true")
            .env("ROOK_NOTIFY_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("rook-notify starts");
        let process = ServeProcess { child, base_url: format!("http://127.0.0.1:{port}") };
        process.wait_ready(Duration::from_secs(30)).await;
        process
    }

    async fn wait_ready(&self, within: Duration) {
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().unwrap();
        let readyz = format!("{}/readyz", self.base_url);
        super::wait::until(&format!("rook-notify becomes ready at {}", self.base_url), within, || async {
            client.get(&readyz).send().await.is_ok_and(|res| res.status() == 200)
        })
        .await;
    }

    /// The process's peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc is readable");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    /// Asks the process to stop, as an init system does (SIGTERM).
    pub fn terminate(&self) {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM reaches rook-notify");
    }

    /// Waits up to `within` for the process to exit; `None` if it is still running then.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let mut exited = None;
        super::wait::within(within, || {
            exited = self.child.try_wait().ok().flatten();
            std::future::ready(exited.is_some())
        })
        .await;
        exited
    }

    /// Kills the process with SIGKILL (no chance to clean up) and waits for it to die.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port for a server that will be restarted on it: free now, and outside the kernel's ephemeral
/// range (32768 and up), from which other tests' ports and every outgoing connection are drawn — so
/// nobody else takes it while the server is down between a kill and its restart.
pub fn restartable_port() -> u16 {
    use rand::Rng as _;
    let mut rng = rand::thread_rng();
    loop {
        let port = rng.gen_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}
