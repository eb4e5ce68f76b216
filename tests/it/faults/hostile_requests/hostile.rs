//! Hostile requests, from a seeded generator: each starts as a request the server would accept (real
//! ids from the seeded data, values of the vocabulary) and is then broken in one way: a value made
//! hostile, the body replaced, the content type, method, path, query or headers changed, or the bytes
//! on the wire made invalid HTTP.

use app::vocab::{Category, Environment, NotificationStatus, NotificationType};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::targets::{Body, Field, Target};

/// The real data a request can name, so that requests get past "not found" to the code behind it.
pub struct Pool {
    pub client_uuids: Vec<String>,
    pub notification_ids: Vec<String>,
    pub data_delivery_ids: Vec<String>,
    pub user_ids: Vec<String>,
    /// `next_cursor`s of real pages.
    pub cursors: Vec<String>,
}

/// How a request was made hostile (the report counts answers per mutation too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutation {
    /// None: a request the server should accept (it keeps the fuzz reaching past validation).
    Plausible,
    /// One path segment, query parameter, form field or JSON property has a hostile value.
    Value,
    /// The whole body replaced: random JSON, deep nesting, huge, truncated, invalid UTF-8, NUL.
    Body,
    ContentType,
    Method,
    Path,
    Query,
    Header,
    /// Bytes on the wire that are not valid HTTP (or only barely): sent over a raw socket.
    Wire,
}

/// A byte-level change that only a raw socket can send.
#[derive(Debug, Clone)]
pub enum WireTweak {
    /// These bytes appended to the path, unencoded (invalid UTF-8, NUL, spaces, controls).
    PathBytes(Vec<u8>),
    /// These bytes as the query string, unencoded.
    QueryBytes(Vec<u8>),
    /// A header whose value holds these bytes.
    HeaderBytes(Vec<u8>),
    /// HTTP/1.0 without a `Host` header.
    Http10NoHost,
    /// A `Content-Length` that is not a number that fits.
    BadContentLength(&'static str),
    /// `Transfer-Encoding: chunked` with a chunk size that is not hex.
    BadChunk,
    /// Both `Transfer-Encoding: chunked` and `Content-Length`.
    ChunkedAndLength,
    /// The body sent chunked, correctly, in small random pieces.
    Chunked,
    /// A header line without a colon.
    HeaderWithoutColon,
    /// A header of this many bytes.
    LongHeader(usize),
}

/// One request to send, before the caller's credentials are added.
#[derive(Debug, Clone)]
pub struct Hostile {
    pub method: Method,
    /// The path and query, percent-encoded as far as they should be (a hostile value may hold `%FF`).
    pub path_and_query: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub mutation: Mutation,
    pub wire: Option<WireTweak>,
    /// The Origin header is to be a foreign site's (the cross-site check's refusal).
    pub foreign_origin: bool,
}

/// The body of the largest request: over the data deliveries' 10 MiB limit (sent rarely).
const OVER_DATA_LIMIT: usize = 10 * 1024 * 1024 + 1024;

/// Makes one hostile request for `target`.
pub fn request(target: &Target, openapi: &Value, pool: &Pool, rng: &mut StdRng) -> Hostile {
    let mut h = plausible(target, openapi, pool, rng);
    let mutation = *[
        (Mutation::Plausible, 6),
        (Mutation::Value, 24),
        (Mutation::Body, 20),
        (Mutation::ContentType, 8),
        (Mutation::Method, 7),
        (Mutation::Path, 8),
        (Mutation::Query, 10),
        (Mutation::Header, 8),
        (Mutation::Wire, 9),
    ]
    .choose_weighted(rng, |(_, weight)| *weight)
    .map(|(m, _)| m)
    .unwrap();
    h.mutation = mutation;
    match mutation {
        Mutation::Plausible => {}
        Mutation::Value => hostile_value(target, openapi, pool, rng, &mut h),
        Mutation::Body => h.body = hostile_body(rng),
        Mutation::ContentType => {
            h.headers.retain(|(name, _)| name != "content-type");
            if let Some(value) = content_type(rng) {
                h.headers.push(("content-type".into(), value));
            }
        }
        Mutation::Method => h.method = other_method(&target.method, rng),
        Mutation::Path => h.path_and_query = hostile_path(&h.path_and_query, rng),
        Mutation::Query => h.path_and_query = hostile_query(&h.path_and_query, target, pool, rng),
        Mutation::Header => hostile_header(rng, &mut h),
        Mutation::Wire => h.wire = Some(wire_tweak(rng)),
    }
    h
}

/// The request a well-behaved caller would send (some optional parts left out at random).
fn plausible(target: &Target, openapi: &Value, pool: &Pool, rng: &mut StdRng) -> Hostile {
    let mut path = target.path.clone();
    for (name, field) in &target.path_params {
        path = path.replace(&format!("{{{name}}}"), &encode(&realistic(*field, pool, rng)));
    }
    let mut query = Vec::new();
    for (name, field) in &target.query {
        // Lists need their client named: usually it is, so that the other filters are reached.
        let odds = if *field == Field::ClientUuid { 0.9 } else { 0.3 };
        if rng.gen_bool(odds) {
            query.push(format!("{}={}", encode(name), encode(&realistic(*field, pool, rng))));
        }
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let mut headers = Vec::new();
    let body = match &target.body {
        Body::None => Vec::new(),
        Body::Json(schema) => {
            headers.push(("content-type".to_owned(), b"application/json".to_vec()));
            serde_json::to_vec(&sample(schema, openapi, "body", &target.path, pool, rng, 0)).unwrap()
        }
        Body::Form(fields) => {
            headers.push(("content-type".to_owned(), b"application/x-www-form-urlencoded".to_vec()));
            let mut sent = Vec::new();
            for (name, field) in fields {
                if rng.gen_bool(0.95) {
                    sent.push((name.clone(), encode(&realistic(*field, pool, rng))));
                }
            }
            form(sent.into_iter())
        }
    };
    // The hydrated app asks for JSON; a browser without JavaScript posts forms asking for HTML.
    if matches!(target.body, Body::Form(_)) && rng.gen_bool(0.1) {
        headers.push(("accept".to_owned(), b"text/html".to_vec()));
    }
    Hostile {
        method: target.method.clone(),
        path_and_query: path,
        headers,
        body,
        mutation: Mutation::Plausible,
        wire: None,
        foreign_origin: false,
    }
}

/// A form body from already-encoded values.
fn form(fields: impl Iterator<Item = (String, String)>) -> Vec<u8> {
    fields.map(|(name, value)| format!("{}={value}", encode(&name))).collect::<Vec<_>>().join("&").into_bytes()
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn pick<T: Clone>(items: &[T], rng: &mut StdRng) -> T {
    items.choose(rng).cloned().expect("a non-empty pool")
}

/// A value of `field` the server would accept.
fn realistic(field: Field, pool: &Pool, rng: &mut StdRng) -> String {
    match field {
        Field::ClientUuid => pick(&pool.client_uuids, rng),
        Field::Environment => pick(Environment::ALL, rng).as_str().to_owned(),
        Field::Purpose => pick(&["notification", "data"], rng).to_owned(),
        Field::NotificationType => pick(NotificationType::ALL, rng).as_str().to_owned(),
        Field::Category => pick(Category::ALL, rng).as_str().to_owned(),
        Field::Status => pick(NotificationStatus::ALL, rng).as_str().to_owned(),
        Field::NotificationId => pick(&pool.notification_ids, rng),
        Field::DataDeliveryId => pick(&pool.data_delivery_ids, rng),
        Field::UserId => pick(&pool.user_ids, rng),
        Field::Time => format!(
            "2026-{:02}-{:02}T{:02}:00:00.000Z",
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
            rng.gen_range(0..24)
        ),
        Field::Day => format!("2026-{:02}-{:02}", rng.gen_range(1..=12), rng.gen_range(1..=28)),
        Field::Limit => rng.gen_range(1..=200).to_string(),
        Field::Cursor => pick(&pool.cursors, rng),
        Field::Bool => rng.gen_bool(0.5).to_string(),
        Field::Email => format!("fuzz{}@rook.example", rng.gen_range(0..1_000_000)),
        Field::Password => format!("pw-{:x}", rng.r#gen::<u64>()),
        Field::Url => format!("https://hooks{}.example.com/rook", rng.gen_range(0..100)),
        Field::Name => format!("Fuzz Co {}", rng.gen_range(0..1_000_000)),
        Field::Text => pick(&["hello", "subscription.", "Garmin", "a b c", "x"], rng).to_owned(),
    }
}

/// A JSON value of `schema` (`$ref`s resolved against `doc`), with realistic values by property name.
fn sample(schema: &Value, doc: &Value, name: &str, path: &str, pool: &Pool, rng: &mut StdRng, depth: u32) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let pointer = reference.trim_start_matches('#');
        let resolved = doc.pointer(pointer).unwrap_or(&Value::Null);
        return sample(resolved, doc, name, path, pool, rng, depth + 1);
    }
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        if !values.is_empty() {
            return (*values.choose(rng).unwrap()).clone();
        }
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[combinator].as_array() {
            let variants: Vec<&Value> = variants.iter().filter(|v| v["type"] != "null").collect();
            if let Some(variant) = variants.choose(rng) {
                return sample(variant, doc, name, path, pool, rng, depth + 1);
            }
            return Value::Null;
        }
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.as_str(),
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("null"),
        _ if schema["properties"].is_object() => "object",
        _ => "object",
    };
    match kind {
        "object" => {
            let mut object = Map::new();
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            if let Some(properties) = schema["properties"].as_object() {
                for (property, property_schema) in properties {
                    if required.contains(&property.as_str()) || rng.gen_bool(0.5) {
                        object.insert(
                            property.clone(),
                            sample(property_schema, doc, property, path, pool, rng, depth + 1),
                        );
                    }
                }
            } else {
                // A free-form object (a data delivery's payload): a small document.
                object.insert("datetime".into(), json!(realistic(Field::Time, pool, rng)));
                object.insert("steps".into(), json!(rng.gen_range(0..20_000)));
            }
            Value::Object(object)
        }
        "array" => {
            let items = &schema["items"];
            (0..rng.gen_range(0..3)).map(|_| sample(items, doc, name, path, pool, rng, depth + 1)).collect()
        }
        "string" => {
            let field = Field::named(name, path);
            match (field, schema["format"].as_str()) {
                (Field::Text, Some("date-time")) => json!(realistic(Field::Time, pool, rng)),
                (field, _) => json!(realistic(field, pool, rng)),
            }
        }
        "integer" => json!(rng.gen_range(1..100)),
        "number" => json!(rng.gen_range(0.0..100.0)),
        "boolean" => json!(rng.gen_bool(0.5)),
        _ => Value::Null,
    }
}

/// A hostile value for a URL path segment, query parameter or form field, percent-encoded as it
/// goes on the wire (so `%FF` decodes to a byte that is not UTF-8).
fn hostile_url_value(rng: &mut StdRng) -> String {
    let uuid = uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid().to_string();
    let choices: Vec<String> = vec![
        "%00".into(),
        "a%00b".into(),
        "%FF".into(),
        "%C3%28".into(),
        "%ED%A0%80".into(),
        "%F4%90%80%80".into(),
        "%E2%80%AE".into(),
        "%F0%9F%99%82".into(),
        "%".into(),
        "%G0".into(),
        "..".into(),
        "%2e%2e".into(),
        "..%2F..%2F..%2Fetc%2Fpasswd".into(),
        "%2F".into(),
        "".into(),
        "%20".into(),
        "null".into(),
        "true".into(),
        "%5B%5D".into(),
        "%7B%7D".into(),
        "-1".into(),
        "0".into(),
        "18446744073709551616".into(),
        "-9223372036854775809".into(),
        "9223372036854775807".into(),
        "1e400".into(),
        "NaN".into(),
        "9999-12-31T23:59:59.999Z".into(),
        "%2B275760-09-13T00:00:00Z".into(),
        "0000-01-01T00:00:00Z".into(),
        "2026-13-45T25:61:61Z".into(),
        "1700000000".into(),
        uuid.to_uppercase(),
        format!("%7B{uuid}%7D"),
        "00000000-0000-0000-0000-000000000000".into(),
        "%27%20OR%201%3D1%20--".into(),
        "%25".into(),
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(),
        "AAAA".into(),
        "eyJpZCI6MX0".into(),
        "____".into(),
        "x".repeat(rng.gen_range(300..5_000)),
        "%00".repeat(rng.gen_range(10..500)),
    ];
    let mut value = pick(&choices, rng);
    if rng.gen_bool(0.02) {
        // A URL longer than servers take (hyper refuses the request line) or a form value of megabytes.
        value = "y".repeat(rng.gen_range(70_000..1_200_000));
    }
    value
}

/// A hostile JSON value, as text (it may be invalid JSON on purpose: lone surrogates, out-of-range
/// numbers, NUL bytes).
fn hostile_json(rng: &mut StdRng) -> String {
    let choices: [&dyn Fn(&mut StdRng) -> String; 34] = [
        &|_| "null".into(),
        &|_| "true".into(),
        &|_| "0".into(),
        &|_| "-0".into(),
        &|_| "1.5".into(),
        &|_| "1e400".into(),
        &|_| "-1e400".into(),
        &|_| "1e-400".into(),
        &|_| "18446744073709551616".into(),
        &|_| "-9223372036854775809".into(),
        &|_| "123456789012345678901234567890123456789".into(),
        &|_| "[]".into(),
        &|_| "{}".into(),
        &|_| "\"\"".into(),
        &|_| "\" \"".into(),
        &|_| "\"\\u0000\"".into(),
        &|_| "\"a\\u0000b\"".into(),
        &|_| "\"\\ud800\"".into(),
        &|_| "\"\\udfff\\ud800\"".into(),
        &|_| "\"\u{202e}\u{200b}\u{feff}\"".into(),
        &|_| "\"🙂\"".into(),
        &|_| "\"' OR 1=1 --\"".into(),
        &|_| "\"<script>alert(1)</script>\"".into(),
        &|_| "\"2026-13-45T25:61:61Z\"".into(),
        &|_| "\"+275760-09-13T00:00:00.000Z\"".into(),
        &|_| "\"-271821-04-20T00:00:00.000Z\"".into(),
        &|rng| format!("\"{}\"", uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid().to_string().to_uppercase()),
        &|rng| format!("\"{}\"", "x".repeat(rng.gen_range(200..60_000))),
        &|rng| deep_nesting(rng.gen_range(100..10_000), rng),
        &|rng| format!("[{}]", vec!["1"; rng.gen_range(1_000..20_000)].join(",")),
        &|rng| {
            let keys: Vec<String> = (0..rng.gen_range(100..3_000)).map(|i| format!("\"k{i}\":{i}")).collect();
            format!("{{{}}}", keys.join(","))
        },
        &|rng| random_json(rng, 0),
        &|rng| random_json(rng, 0),
        &|_| "\"\\u0000\\u0001\\u001f\"".into(),
    ];
    let make = choices.choose(rng).unwrap();
    make(rng)
}

/// `levels` nested arrays or objects (serde_json stops at 128).
fn deep_nesting(levels: usize, rng: &mut StdRng) -> String {
    if rng.gen_bool(0.5) {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    } else {
        format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
    }
}

/// A random JSON value of a few levels.
fn random_json(rng: &mut StdRng, depth: u32) -> String {
    let leaf = depth > 3 || rng.gen_bool(0.4);
    if leaf {
        return match rng.gen_range(0..6) {
            0 => "null".into(),
            1 => rng.gen_bool(0.5).to_string(),
            2 => rng.r#gen::<i64>().to_string(),
            3 => format!("{:e}", rng.r#gen::<f64>() * 1e300),
            4 => serde_json::to_string(&random_text(rng)).unwrap(),
            _ => "\"sandbox\"".into(),
        };
    }
    let n = rng.gen_range(0..5);
    if rng.gen_bool(0.5) {
        let items: Vec<String> = (0..n).map(|_| random_json(rng, depth + 1)).collect();
        format!("[{}]", items.join(","))
    } else {
        let keys = ["client_uuid", "environment", "type", "user_id", "active", "name", "payload", "since", "x", ""];
        let items: Vec<String> =
            (0..n).map(|_| format!("\"{}\":{}", keys.choose(rng).unwrap(), random_json(rng, depth + 1))).collect();
        format!("{{{}}}", items.join(","))
    }
}

/// Random text of any Unicode scalar values.
fn random_text(rng: &mut StdRng) -> String {
    (0..rng.gen_range(0..40)).map(|_| rng.r#gen::<char>()).collect()
}

/// Puts a hostile value in one place of the request: a path segment, a query parameter, a form field
/// or a JSON property.
fn hostile_value(target: &Target, openapi: &Value, pool: &Pool, rng: &mut StdRng, h: &mut Hostile) {
    let mut places = Vec::new();
    if !target.path_params.is_empty() {
        places.push(0);
    }
    if !target.query.is_empty() {
        places.push(1);
    }
    if !matches!(target.body, Body::None) {
        places.extend([2, 2, 2]);
    }
    match places.choose(rng).copied().unwrap_or(1) {
        0 => {
            let mut path = target.path.clone();
            let hostile = rng.gen_range(0..target.path_params.len());
            for (i, (name, field)) in target.path_params.iter().enumerate() {
                let value = if i == hostile { hostile_url_value(rng) } else { encode(&realistic(*field, pool, rng)) };
                path = path.replace(&format!("{{{name}}}"), &value);
            }
            let query = h.path_and_query.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
            h.path_and_query = format!("{path}{query}");
        }
        1 => {
            let name = target.query.choose(rng).map(|(name, _)| name.clone()).unwrap_or_else(|| "limit".into());
            let separator = if h.path_and_query.contains('?') { '&' } else { '?' };
            h.path_and_query = format!("{}{separator}{}={}", h.path_and_query, encode(&name), hostile_url_value(rng));
        }
        _ => match &target.body {
            Body::Form(fields) => {
                let hostile = rng.gen_range(0..fields.len().max(1));
                let body = form(fields.iter().enumerate().map(|(i, (name, field))| {
                    let value =
                        if i == hostile { hostile_url_value(rng) } else { encode(&realistic(*field, pool, rng)) };
                    (name.clone(), value)
                }));
                h.body = if fields.is_empty() { format!("x={}", hostile_url_value(rng)).into_bytes() } else { body };
            }
            Body::Json(schema) => h.body = json_with_hostile_property(schema, openapi, &target.path, pool, rng),
            Body::None => {}
        },
    }
}

/// A plausible JSON body with one property (at any depth) replaced by, removed for, or joined by a
/// hostile value.
fn json_with_hostile_property(schema: &Value, openapi: &Value, path: &str, pool: &Pool, rng: &mut StdRng) -> Vec<u8> {
    const MARK: &str = "\u{1}hostile\u{1}";
    let mut value = sample(schema, openapi, "body", path, pool, rng, 0);
    // The places a value sits, as JSON pointers.
    let mut pointers = Vec::new();
    collect_pointers(&value, String::new(), &mut pointers);
    let pointer = pointers.choose(rng).cloned().unwrap_or_default();
    match rng.gen_range(0..10) {
        // Drop a property (a required one, often).
        0 => {
            if let Some((parent, key)) = pointer.rsplit_once('/')
                && let Some(Value::Object(object)) = value.pointer_mut(parent)
            {
                object.remove(key);
            }
        }
        // An unknown property beside it.
        1 => {
            if let Value::Object(object) = &mut value {
                object.insert(random_text(rng), json!(MARK));
            }
        }
        _ => {
            if pointer.is_empty() {
                value = json!(MARK);
            } else if let Some(slot) = value.pointer_mut(&pointer) {
                *slot = json!(MARK);
            }
        }
    }
    let text = serde_json::to_string(&value).unwrap();
    let marked = serde_json::to_string(MARK).unwrap();
    text.replacen(&marked, &hostile_json(rng), 1).into_bytes()
}

fn collect_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                out.push(pointer.clone());
                collect_pointers(inner, pointer, out);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                let pointer = format!("{at}/{i}");
                out.push(pointer.clone());
                collect_pointers(inner, pointer, out);
            }
        }
        _ => {}
    }
}

/// A whole body that no route expects.
fn hostile_body(rng: &mut StdRng) -> Vec<u8> {
    match rng.gen_range(0..16) {
        0 => hostile_json(rng).into_bytes(),
        1 => random_json(rng, 0).into_bytes(),
        2 => deep_nesting(10_000, rng).into_bytes(),
        3 => deep_nesting(rng.gen_range(100..200), rng).into_bytes(),
        4 => Vec::new(),
        5 => b"   \n\t ".to_vec(),
        6 => b"{\"client_uuid\":\"a\",\"client_uuid\":\"b\",\"name\":\"x\",\"name\":1}".to_vec(),
        7 => {
            let mut body = b"{\"name\":\"".to_vec();
            body.extend([0xff, 0xfe, 0xc3, 0x28, 0x00, 0xed, 0xa0, 0x80]);
            body.extend(b"\"}");
            body
        }
        8 => b"{\"name\":\"a\0b\",\"user_id\":\"\0\"}".to_vec(),
        9 => {
            let mut body = vec![0xef, 0xbb, 0xbf];
            body.extend(b"{\"name\":\"bom\"}");
            body
        }
        10 => {
            let text = random_json(rng, 0);
            let cut = rng.gen_range(0..=text.len());
            text.as_bytes()[..cut].to_vec()
        }
        11 => (0..rng.gen_range(1..2_000)).map(|_| rng.r#gen::<u8>()).collect(),
        // Over the API's 64 KiB and server functions' 2 MiB limits, under the data deliveries' 10 MiB.
        12 if rng.gen_bool(0.5) => {
            format!("{{\"payload\":\"{}\"}}", "z".repeat(rng.gen_range(1 << 20..3 << 20))).into_bytes()
        }
        // Over every limit (rare: each is 10 MiB on the loopback).
        13 if rng.gen_bool(0.15) => {
            let mut body = b"{\"payload\":\"".to_vec();
            body.resize(OVER_DATA_LIMIT, b'z');
            body.extend(b"\"}");
            body
        }
        14 => b"client_uuid=%00&environment=%FF&name[a][b][c][d][e][f][g]=1&active=maybe".to_vec(),
        _ => b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".to_vec(),
    }
}

/// A content type other than the one the route reads (`None`: no `Content-Type` at all).
fn content_type(rng: &mut StdRng) -> Option<Vec<u8>> {
    let choices: [Option<&[u8]>; 11] = [
        None,
        Some(b"text/plain"),
        Some(b"application/x-www-form-urlencoded"),
        Some(b"multipart/form-data; boundary=xyz"),
        Some(b"application/json; charset=utf-16"),
        Some(b"application/xml"),
        Some(b"application/cbor"),
        Some(b"application/json"),
        Some(b"\xff\xfe/\x80"),
        Some(b"application/json, text/html"),
        Some(b""),
    ];
    choices.choose(rng).unwrap().map(<[u8]>::to_vec)
}

/// A method other than `documented`.
fn other_method(documented: &Method, rng: &mut StdRng) -> Method {
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO", "get"];
    loop {
        let method = Method::from_bytes(methods.choose(rng).unwrap().as_bytes()).unwrap();
        if method != *documented {
            return method;
        }
    }
}

/// The path made hostile: extra or missing segments, encoded slashes, traversal, doubled slashes.
fn hostile_path(path_and_query: &str, rng: &mut StdRng) -> String {
    let (path, query) = path_and_query.split_once('?').map_or((path_and_query, ""), |(p, q)| (p, q));
    let query = if query.is_empty() { String::new() } else { format!("?{query}") };
    let path = match rng.gen_range(0..8) {
        0 => format!("{path}/"),
        1 => format!("{path}/{}", hostile_url_value(rng)),
        2 => path.replacen('/', "//", 2),
        3 => path.rsplit_once('/').map_or_else(|| path.to_owned(), |(head, _)| head.to_owned()),
        4 => format!("{path}/..%2F..%2Fhealthz"),
        5 => path.to_uppercase(),
        6 => format!("{path};jsessionid=1"),
        _ => format!("{path}%00"),
    };
    format!("{path}{query}")
}

/// The query string made hostile: unknown or repeated parameters, bad cursors, huge limits, garbage.
fn hostile_query(path_and_query: &str, target: &Target, pool: &Pool, rng: &mut StdRng) -> String {
    let separator = if path_and_query.contains('?') { '&' } else { '?' };
    let cursor = {
        let real = pick(&pool.cursors, rng);
        let mut bytes = real.into_bytes();
        if let Some(b) = bytes.choose_mut(rng) {
            *b = *b"AZaz09-_".choose(rng).unwrap();
        }
        String::from_utf8(bytes).unwrap_or_default()
    };
    let extra = match rng.gen_range(0..11) {
        0 => format!("cursor={}", encode(&cursor)),
        1 => format!("cursor={}", hostile_url_value(rng)),
        2 => "limit=18446744073709551616".into(),
        3 => format!("limit={}", pick(&["-1", "0", "201", "1e3", "%00", "4294967296", "1.5"], rng)),
        4 => format!("since={}&until={}", hostile_url_value(rng), hostile_url_value(rng)),
        5 => format!("{}=1", hostile_url_value(rng)),
        6 => {
            let name = target.query.choose(rng).map_or("client_uuid", |(n, _)| n.as_str()).to_owned();
            format!("{name}=a&{name}=b&{name}[]=c&{name}[x]=d")
        }
        7 => "&&&=&=%&%%".into(),
        8 => "a[b][c][d][e][f][g][h]=1".into(),
        9 => format!("client_uuid={}", encode(&pick(&pool.client_uuids, rng).to_uppercase())),
        _ => format!("user_id={}", hostile_url_value(rng)),
    };
    format!("{path_and_query}{separator}{extra}")
}

/// A hostile header: idempotency keys, Accept, cookies, forwarding headers, a foreign Origin.
fn hostile_header(rng: &mut StdRng, h: &mut Hostile) {
    let header = |name: &str, value: &[u8]| (name.to_owned(), value.to_vec());
    let long = "k".repeat(rng.gen_range(100..20_000));
    let added = match rng.gen_range(0..11) {
        0 => header("idempotency-key", long.as_bytes()),
        1 => header("idempotency-key", b"\xff\xfe\x80"),
        2 => header("idempotency-key", b""),
        3 => header("accept", b"text/html"),
        4 => header("cookie", b"id=%00; id=\xff; rook_notify_device=AAAA; id=garbage"),
        5 => header("x-forwarded-for", b"999.1.1.1, ::ffff:zz, \xff"),
        6 => header("last-event-id", b"\xff%00 not-an-id"),
        7 => header("sec-fetch-site", b"cross-site"),
        8 => header("idempotency-key", b"fixed-key-for-collisions"),
        9 => header("authorization", format!("Bearer {long}").as_bytes()),
        _ => {
            h.foreign_origin = true;
            return;
        }
    };
    h.headers.retain(|(name, _)| *name != added.0);
    h.headers.push(added);
}

/// A byte-level change for the raw socket.
fn wire_tweak(rng: &mut StdRng) -> WireTweak {
    match rng.gen_range(0..10) {
        0 => WireTweak::PathBytes(pick(
            &[b"\xff\xfe".to_vec(), b"\0".to_vec(), b"a b".to_vec(), b"\x7f\x01".to_vec(), b"\xc3\x28".to_vec()],
            rng,
        )),
        1 => WireTweak::QueryBytes(pick(
            &[b"cursor=\xff\xfe".to_vec(), b"limit=\0".to_vec(), b"user_id=\xc3\x28".to_vec(), b"a=\x01\x02".to_vec()],
            rng,
        )),
        2 => WireTweak::HeaderBytes(pick(&[b"\0".to_vec(), b"\xff\xfe".to_vec(), b"a\rb".to_vec()], rng)),
        3 => WireTweak::Http10NoHost,
        4 => WireTweak::BadContentLength(pick(&["99999999999999999999", "-1", "abc", "1, 2", "0x10"], rng)),
        5 => WireTweak::BadChunk,
        6 => WireTweak::ChunkedAndLength,
        7 => WireTweak::Chunked,
        8 => WireTweak::HeaderWithoutColon,
        _ => WireTweak::LongHeader(rng.gen_range(20_000..200_000)),
    }
}
