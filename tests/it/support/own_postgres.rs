//! A Postgres cluster of the test's own (initdb in a temporary directory, on a free port), for tests
//! that stop and start the database under a running server without disturbing the shared one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running cluster; stopped and removed when dropped.
pub struct OwnPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// Postgres refuses to run as root: as root, its programs run as the `postgres` user.
    run_as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl OwnPostgres {
    /// Creates and starts a cluster, or `None` (after a loud message) when Postgres' programs are not
    /// installed and this is not CI.
    pub fn start() -> Option<Self> {
        let Some(bin) = postgres_bin_dir() else {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but Postgres' server programs (initdb, pg_ctl) are not installed");
            }
            eprintln!(
                "\n!!!! SKIPPED: initdb and pg_ctl are not installed; this test needs a Postgres cluster of its own !!!!\n"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let run_as_postgres = is_root();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("the data directory");
        if run_as_postgres {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let status = Command::new("chown").arg("postgres:").arg(&data).status().expect("chown runs");
            assert!(status.success(), "the data directory is given to the postgres user");
        }
        let cluster = OwnPostgres { bin, data, port: super::process::free_port(), run_as_postgres, _dir: dir };
        let data = cluster.data.display().to_string();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
        cluster.start_again();
        Some(cluster)
    }

    /// The URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the cluster as an administrator would (`pg_ctl stop -m fast`: sessions are ended).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data.display().to_string(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the (stopped) cluster again and waits until it accepts connections.
    pub fn start_again(&self) {
        let data = self.data.display().to_string();
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, data);
        let log = self.data.join("server.log").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-o", &options, "-l", &log, "-w", "-t", "60", "start"]);
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // From a directory the postgres user may enter.
        let output =
            command.args(args).current_dir("/").stdin(Stdio::null()).output().expect("a Postgres program runs");
        assert!(
            output.status.success(),
            "{} {args:?} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let mut command = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join("pg_ctl"));
            c
        } else {
            Command::new(self.bin.join("pg_ctl"))
        };
        let _ = command.args(["-D", &data, "-m", "immediate", "stop"]).current_dir("/").output();
    }
}

/// Where initdb and pg_ctl are: `pg_config --bindir`, else the PATH.
fn postgres_bin_dir() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let from_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path).find(|dir| dir.join("initdb").exists()).and_then(|dir| {
            // Follow a link such as /usr/local/bin/initdb to the directory that also holds postgres.
            std::fs::canonicalize(dir.join("initdb")).ok().and_then(|p| p.parent().map(Path::to_path_buf))
        })
    });
    [from_pg_config, from_path]
        .into_iter()
        .flatten()
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists() && dir.join("postgres").exists())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
