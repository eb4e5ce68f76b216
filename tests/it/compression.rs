//! Compression of what the dashboard serves: the site's static files and pages come compressed when the
//! browser accepts it (brotli when it may, else gzip: the run command's wasm is ~10 MB, ~1.6 MB with
//! brotli), and the live feed never is, since a compressor holds events back until it has enough bytes.

use std::time::Duration;

use app::vocab::Role;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};

use crate::dashboard_client::read_until;
use crate::support::app::browser_client;
use crate::support::{TestDatabase, TestReceiver, spawn_app_with};

/// What Chromium asks for.
const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";
/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

#[tokio::test]
async fn static_files_and_pages_come_compressed_when_accepted_and_the_live_feed_never_is() {
    // A site root of the test's own with a wasm file of a realistic, compressible shape.
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("pkg")).unwrap();
    let wasm: Vec<u8> =
        b"\0asm\x01\0\0\0".iter().copied().chain((0..200_000u32).flat_map(|i| (i % 251).to_le_bytes())).collect();
    std::fs::write(site.path().join("pkg/rook_notify.wasm"), &wasm).unwrap();
    let root = site.path().to_owned();
    let app = spawn_app_with(TestDatabase::sqlite().await, move |s| s.site_root = Some(root)).await;
    let plain = reqwest::Client::new();

    let res =
        plain.get(app.url("/pkg/rook_notify.wasm")).header(ACCEPT_ENCODING, BROWSER_ENCODINGS).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_ENCODING], "br", "a browser's first choice");
    assert_eq!(res.headers()[CONTENT_TYPE], "application/wasm");
    let body = res.bytes().await.unwrap();
    assert!(body.len() < wasm.len() / 4, "{} bytes with brotli of {}", body.len(), wasm.len());
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut brotli_decompressor::Decompressor::new(&body[..], 4096), &mut unpacked).unwrap();
    assert_eq!(unpacked, wasm, "the same bytes once decompressed");

    let res =
        plain.get(app.url("/pkg/rook_notify.wasm")).header(ACCEPT_ENCODING, "gzip, deflate").send().await.unwrap();
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip", "without brotli");
    let body = res.bytes().await.unwrap();
    assert_eq!(body[..2], GZIP_MAGIC);
    assert!(body.len() < wasm.len() / 4, "{} bytes gzipped of {}", body.len(), wasm.len());

    let res = plain.get(app.url("/pkg/rook_notify.wasm")).send().await.unwrap();
    assert!(res.headers().get(CONTENT_ENCODING).is_none(), "nothing asked, nothing compressed");
    assert_eq!(res.bytes().await.unwrap(), wasm);

    let res = plain.get(app.url("/login")).header(ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip", "a page");
    assert_eq!(res.bytes().await.unwrap()[..2], GZIP_MAGIC);

    // A signed-in browser's live feed: plain text, each event readable as it is sent.
    let receiver = TestReceiver::start().await;
    let (client, _) = app.subscribed_client(&receiver.url("/hook")).await;
    app.create_account("dev@gzip.example", "correct-horse-battery", Role::Client, Some(&client)).await;
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, "dev@gzip.example", "correct-horse-battery").await.status(), 200);
    let url = reqwest::Url::parse_with_params(&app.url("/live/notifications"), &[("client_uuid", &client)]).unwrap();
    let mut feed = browser.get(url).header(ACCEPT_ENCODING, BROWSER_ENCODINGS).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(feed.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
    assert!(feed.headers().get(CONTENT_ENCODING).is_none(), "{:?}", feed.headers());
    let id = app.user_created(&client, "user-gzip").await;
    read_until(&mut feed, &format!("id: {id}"), Duration::from_secs(10)).await;
    drop(feed);
    app.stop().await;
}
