//! The dashboard's budget, measured: bytes over the wire for a first visit to each page (its HTML and
//! every file it asks for: CSS, JS glue, wasm, icon), and the server's time to render each page.
//! Figures only, nothing asserted; it exits non-zero only when a page does not answer 200.
//!
//!     cargo bench --profile dev --bench page_budget -- [--url http://127.0.0.1:3000] [--runs 15]
//!         [--encoding "gzip, deflate, br, zstd"]
//!
//! Without `--url` it starts the `rook-notify serve` of the same build profile (`--profile dev`: the
//! debug server, which serves whatever front end `cargo site` last built into `target/site`;
//! `LEPTOS_SITE_ROOT` picks another, e.g. a release build's `site/`) on a fresh SQLite database with
//! the demo data. With `--url` it measures a server already running with the demo data (e.g.
//! `./scripts/run.sh`).
//!
//! Per page it signs in as the demo client (client pages) or the demo staff member (staff pages),
//! then, like a first visit with an empty cache, fetches the page with Chromium's `Accept-Encoding`
//! and each same-site file its HTML links (`href`/`src`, the wasm the glue preloads included), and
//! counts the body bytes as sent (compressed; reqwest here has no decompression, so nothing is
//! undone). Then the page alone `--runs` times more: the median and the slowest of the time from
//! sending the request to its last byte on 127.0.0.1, which is the server's render (the pages render
//! once their data has loaded) plus compression.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, LOCATION, ORIGIN};

#[path = "support/numbers.rs"]
mod numbers;
use numbers::thousands;

/// What Chromium sends on a page or file request over plain http.
const BROWSER_ENCODING: &str = "gzip, deflate, br, zstd";
const SECRET_KEY: &str = "b0d9e7b0d9e7b0d9e7b0d9e7b0d9e7b0d9e7b0d9e7b0d9e7b0d9e7b0d9e7b0d9";
/// The demo logins the server seeds (see src/demo/).
const CLIENT: (&str, &str) = ("dev@vitalis.example", "client-demo-password");
const STAFF: (&str, &str) = ("staff@rook.example", "staff-demo-password");

type Res<T> = Result<T, String>;

struct Options {
    url: Option<String>,
    runs: usize,
    encoding: String,
}

fn options() -> Res<Options> {
    let mut options = Options { url: None, runs: 15, encoding: BROWSER_ENCODING.to_owned() };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--url" => options.url = Some(value()?.trim_end_matches('/').to_owned()),
            "--runs" => options.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--encoding" => options.encoding = value()?,
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("page_budget: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Res<()> {
    let options = options()?;
    let mut started = None;
    let base = match &options.url {
        Some(url) => url.clone(),
        None => {
            let server = Server::start().await?;
            let base = server.base.clone();
            started = Some(server);
            base
        }
    };
    let result = measure(&base, &options).await;
    if let Some(server) = started {
        server.stop();
    }
    result
}

async fn measure(base: &str, options: &Options) -> Res<()> {
    let client = signed_in(base, CLIENT).await?;
    let home = redirect_target(&client, &format!("{base}/")).await?;
    let feed = format!("{home}/notifications");
    let feed_html = html(&client, &format!("{base}{feed}")).await?;
    let notification = first_link(&feed_html, "/notifications/").ok_or("the feed links no notification")?;
    let staff = signed_in(base, STAFF).await?;
    let clients_html = html(&staff, &format!("{base}/staff/clients")).await?;
    let managed = first_link(&clients_html, "/staff/clients/").ok_or("the clients list links no client")?;

    let anonymous = http_client()?;
    let pages: Vec<(&reqwest::Client, String)> = vec![
        (&anonymous, "/login".to_owned()),
        (&anonymous, "/guide".to_owned()),
        (&client, home.clone()),
        (&client, feed),
        (&client, format!("{home}/attention")),
        (&client, format!("{home}/settings")),
        (&client, notification),
        (&staff, "/staff/clients".to_owned()),
        (&staff, managed),
        (&staff, "/staff/health".to_owned()),
        (&staff, "/staff/audit".to_owned()),
    ];

    println!("server {base}, Accept-Encoding: {:?}, {} renders per page", options.encoding, options.runs);
    println!();
    println!("{:<58} {:>10} {:>11} {:>12} {:>9} {:>9}", "page", "HTML", "files", "first visit", "median", "slowest");
    let mut files_listed = false;
    for (who, path) in pages {
        let url = format!("{base}{path}");
        let first = fetch(who, &url, &options.encoding).await?;
        let mut files = Vec::new();
        for file in linked_files(&html(who, &url).await?) {
            let fetched = fetch(who, &format!("{base}{file}"), &options.encoding).await?;
            files.push((file, fetched.bytes, fetched.encoding));
        }
        let files_bytes: usize = files.iter().map(|f| f.1).sum();
        let mut times = Vec::with_capacity(options.runs);
        for _ in 0..options.runs {
            times.push(fetch(who, &url, &options.encoding).await?.elapsed);
        }
        times.sort();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        let slowest = times.last().copied().unwrap_or_default();
        println!(
            "{:<58} {:>10} {:>11} {:>12} {:>6.1} ms {:>6.1} ms",
            path,
            thousands(first.bytes),
            thousands(files_bytes),
            thousands(first.bytes + files_bytes),
            ms(median),
            ms(slowest)
        );
        if !files_listed {
            for (file, bytes, encoding) in &files {
                println!("    {file:<54} {:>10} {encoding}", thousands(*bytes));
            }
            files_listed = true;
        }
    }
    Ok(())
}

struct Fetched {
    bytes: usize,
    encoding: String,
    elapsed: Duration,
}

/// One GET as a browser's first visit sends it; the body as it came over the wire.
async fn fetch(client: &reqwest::Client, url: &str, encoding: &str) -> Res<Fetched> {
    let started = Instant::now();
    let response = client
        .get(url)
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(ACCEPT_ENCODING, encoding)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let content_encoding =
        response.headers().get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("identity").to_owned();
    let body = response.bytes().await.map_err(|e| format!("GET {url}: {e}"))?;
    let elapsed = started.elapsed();
    if status != 200 {
        return Err(format!("GET {url} answered {status}"));
    }
    Ok(Fetched { bytes: body.len(), encoding: content_encoding, elapsed })
}

/// A page's HTML, uncompressed, to read its links.
async fn html(client: &reqwest::Client, url: &str) -> Res<String> {
    let response = client
        .get(url)
        .header(ACCEPT, "text/html")
        .header(ACCEPT_ENCODING, "identity")
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("GET {url}: {e}"))?;
    response.text().await.map_err(|e| format!("GET {url}: {e}"))
}

/// The same-site files a page's HTML asks for (stylesheet, script, preloaded wasm, icon), once each,
/// in order. Links to other pages (no file extension) are not part of a visit.
fn linked_files(html: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let Some(end) = rest.find('"') else { continue };
            let link = &rest[..end];
            let is_file = [".css", ".js", ".wasm", ".svg", ".png", ".ico"].iter().any(|ext| link.ends_with(ext));
            if link.starts_with('/') && !link.starts_with("//") && is_file && !files.iter().any(|f| f == link) {
                files.push(link.to_owned());
            }
        }
    }
    files
}

/// The first `href` on the page that starts with `prefix` and goes further.
fn first_link(html: &str, prefix: &str) -> Option<String> {
    let needle = format!("href=\"{prefix}");
    let at = html.find(&needle)? + "href=\"".len();
    let link = &html[at..at + html[at..].find('"')?];
    (link.len() > prefix.len()).then(|| link.replace("&amp;", "&"))
}

fn http_client() -> Res<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())
}

/// A client with a session: the sign-in form posted as a browser without JavaScript posts it.
async fn signed_in(base: &str, (email, password): (&str, &str)) -> Res<reqwest::Client> {
    let client = http_client()?;
    let response = client
        .post(format!("{base}/fn/login"))
        .header(ACCEPT, "text/html")
        .header(ORIGIN, base)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .map_err(|e| format!("signing in as {email}: {e}"))?;
    let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !response.status().is_redirection() || location.contains("error") {
        return Err(format!("signing in as {email}: {} to {location:?}", response.status()));
    }
    Ok(client)
}

/// Where a page redirects to (the home page sends a client to their overview).
async fn redirect_target(client: &reqwest::Client, url: &str) -> Res<String> {
    let response = client.get(url).header(ACCEPT, "text/html").send().await.map_err(|e| format!("GET {url}: {e}"))?;
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("GET {url} did not redirect ({})", response.status()))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// The real server of this build profile on a fresh SQLite database with the demo data.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Res<Server> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?.local_addr().unwrap().port();
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_rook-notify"));
        let mut command = Command::new(&binary);
        command
            .arg("serve")
            .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("budget.db").display()))
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("ROOK_NOTIFY_DEMO", "true")
            .env("ROOK_NOTIFY_SECRET_KEY", SECRET_KEY)
            .env("ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS", "true")
            .env("ROOK_NOTIFY_LOG", "warn")
            .env_remove("ROOK_NOTIFY_METRICS_ADDR")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        // The front end `cargo site` built beside this binary, unless the caller names another.
        if std::env::var_os("LEPTOS_SITE_ROOT").is_none()
            && let Some(site) = binary.parent().and_then(|p| p.parent()).map(|target| target.join("site"))
        {
            command.env("LEPTOS_SITE_ROOT", site);
        }
        let child = command.spawn().map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let mut server = Server { child, base: format!("http://127.0.0.1:{port}"), _dir: dir };
        let client = http_client()?;
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the server exited at start ({status})"));
            }
            if client.get(format!("{}/readyz", server.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.stop();
        Err("the server was not ready within 120 s".to_owned())
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
