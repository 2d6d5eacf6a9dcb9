// s3sim: a std-only simulation of an S3-compatible object store serving GET
// requests under load. It exists to be recorded with heaptrack and is the
// program behind the bundled `heapflame demo` recording
// (examples/demo/heaptrack.s3-get.zst).
//
// Build: rustc -g -O -o s3sim s3sim.rs
// Record: ./record.sh (see README.md)
//
// Every problem heapflame should find is planted in one named function:
//
//   parse_request / lookup_object_metadata
//       small Strings created and dropped straight away (temporary allocations)
//   read_object_body
//       the response body starts as Vec::new() and grows by exactly one chunk
//       per read (reserve_exact), so it is reallocated for every chunk
//       (reallocation churn: a temporary allocation per chunk)
//   spawn_access_log_task
//       a background task per request; its JoinHandle is dropped, and some tasks
//       sleep far longer than the process lives, so the data they hold leaks
//   cache_hot_object
//       a global cache that copies every 20th body and is never cleared (leak)
//   assemble_multipart_object
//       one GET of a multipart object loads all 16 parts (8 MiB) at once: the peak
//
// main sleeps 200 ms and returns without joining any task.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

const REQUESTS: u64 = 500;
const OBJECTS: u64 = 64;
const CHUNK: usize = 256;
const MULTIPART_REQUEST: u64 = 250;
const MULTIPART_KEY: &str = "backups/nightly-2024-06-01.tar";
const MULTIPART_PARTS: usize = 16;
const PART_SIZE: usize = 512 * 1024;

/// Hot-object cache. Entries are added and never evicted.
static CACHE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

struct ObjectMeta {
    size: usize,
    etag: String,
    content_type: &'static str,
    multipart: bool,
}

struct GetRequest {
    bucket: String,
    key: String,
    range: Option<(usize, usize)>,
    wants_checksum: bool,
}

/// The object index: built once at start-up, dropped at the end of main.
#[inline(never)]
fn build_catalog() -> HashMap<String, ObjectMeta> {
    let mut catalog = HashMap::new();
    for obj in 0..OBJECTS {
        catalog.insert(
            format!("media/objects/{:05}.bin", obj),
            ObjectMeta {
                size: 4096 + ((obj as usize * 1531) % 12288),
                etag: format!("\"{:016x}\"", obj.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                content_type: if obj % 3 == 0 { "image/jpeg" } else { "application/octet-stream" },
                multipart: false,
            },
        );
    }
    // one large object uploaded in MULTIPART_PARTS parts
    catalog.insert(
        format!("media/{}", MULTIPART_KEY),
        ObjectMeta {
            size: 16384,
            etag: format!("\"{:016x}-{}\"", 0x5eed_u64, MULTIPART_PARTS),
            content_type: "application/x-tar",
            multipart: true,
        },
    );
    catalog
}

/// Simulates reading one HTTP request off the socket.
#[inline(never)]
fn receive_request(id: u64) -> String {
    let mut raw = if id == MULTIPART_REQUEST {
        format!("GET /media/{} HTTP/1.1\r\n", MULTIPART_KEY.replace('/', "%2F"))
    } else {
        format!("GET /media/objects/{:05}.bin HTTP/1.1\r\n", id % OBJECTS)
    };
    raw.push_str("Host: s3.local.example\r\n");
    raw.push_str(&format!("X-Amz-Request-Id: {:016X}\r\n", id.wrapping_mul(0x2545_f491_4f6c_dd1d)));
    raw.push_str("X-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\n");
    if id % 4 == 1 {
        raw.push_str(&format!("Range: bytes=0-{}\r\n", 1023 + (id % 7) * 512));
    }
    if id % 5 == 0 {
        raw.push_str("X-Amz-Checksum-Mode: ENABLED\r\n");
    }
    raw.push_str("\r\n");
    raw
}

/// Parses the request. Every header name is lower-cased into a fresh String
/// that is compared and dropped at once: a temporary allocation per header.
#[inline(never)]
fn parse_request(raw: &str) -> GetRequest {
    let mut lines = raw.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");

    // temporary: normalised method
    let is_get = black_box(method.to_ascii_uppercase()) == "GET";
    assert!(is_get, "only GET is simulated");

    // temporary: decoded path, only used to split bucket and key
    let path = black_box(target.trim_start_matches('/').replace("%2F", "/"));
    let (bucket, key) = path.split_once('/').unwrap_or((path.as_str(), ""));
    let bucket = bucket.to_string();
    let key = key.to_string();
    drop(path);

    let mut range = None;
    let mut wants_checksum = false;
    for line in lines {
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        // temporary: lower-cased header name, dropped at the end of each statement
        if black_box(name.trim().to_ascii_lowercase()) == "range" {
            range = parse_range(value.trim());
        } else if black_box(name.trim().to_ascii_lowercase()) == "x-amz-checksum-mode" {
            wants_checksum = black_box(value.trim().to_ascii_uppercase()) == "ENABLED";
        }
    }
    GetRequest { bucket, key, range, wants_checksum }
}

#[inline(never)]
fn parse_range(value: &str) -> Option<(usize, usize)> {
    let spec = value.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Looks the object up in the catalog. The full key is formatted into a
/// temporary String just to do the lookup.
#[inline(never)]
fn lookup_object_metadata<'a>(
    catalog: &'a HashMap<String, ObjectMeta>,
    bucket: &str,
    key: &str,
) -> Option<&'a ObjectMeta> {
    let full_key = black_box(format!("{}/{}", bucket, key));
    catalog.get(&full_key)
}

/// Simulates reading the next chunk of an object from disk.
#[inline(never)]
fn read_chunk(id: u64, offset: usize, buf: &mut [u8; CHUNK]) -> usize {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = ((offset + i) as u64 ^ id) as u8;
    }
    CHUNK
}

/// Reads the object body. The buffer starts at Vec::new() and reserves exactly
/// one more chunk per read, so every chunk reallocates the whole body.
#[inline(never)]
fn read_object_body(id: u64, meta: &ObjectMeta, range: Option<(usize, usize)>) -> Vec<u8> {
    let len = match range {
        Some((start, end)) => (end + 1).min(meta.size).saturating_sub(start),
        None => meta.size,
    };
    let mut body: Vec<u8> = Vec::new();
    let mut chunk = [0u8; CHUNK];
    while body.len() < len {
        let n = read_chunk(id, body.len(), &mut chunk).min(len - body.len());
        body.reserve_exact(n); // the bug: grows by exactly one chunk
        body.extend_from_slice(&chunk[..n]);
    }
    body
}

/// A GET of a multipart object: loads every part into memory at once to
/// compute the composite checksum (8 MiB live at the same time), then frees them.
#[inline(never)]
fn assemble_multipart_object(id: u64) -> u64 {
    let mut parts: Vec<Vec<u8>> = Vec::with_capacity(MULTIPART_PARTS);
    for p in 0..MULTIPART_PARTS {
        let mut part = vec![0u8; PART_SIZE];
        for (i, b) in part.iter_mut().enumerate().step_by(64) {
            *b = (i as u64 ^ id ^ p as u64) as u8;
        }
        parts.push(part);
    }
    let mut checksum = 0u64;
    for part in &parts {
        checksum = part.iter().step_by(64).fold(checksum, |c, &b| c.rotate_left(5) ^ b as u64);
    }
    black_box(&parts);
    checksum
}

#[inline(never)]
fn build_response_headers(req: &GetRequest, meta: &ObjectMeta, body_len: usize, checksum: u64) -> String {
    let mut headers = String::from("HTTP/1.1 ");
    headers.push_str(if req.range.is_some() { "206 Partial Content\r\n" } else { "200 OK\r\n" });
    headers.push_str(&format!("Content-Length: {}\r\n", body_len));
    headers.push_str(&format!("Content-Type: {}\r\n", meta.content_type));
    headers.push_str(&format!("ETag: {}\r\n", meta.etag));
    if req.wants_checksum {
        headers.push_str(&format!("X-Amz-Checksum-CRC64NVME: {:016x}\r\n", checksum));
    }
    headers.push_str("\r\n");
    headers
}

/// Writes an access-log record in the background. The JoinHandle is dropped,
/// nobody waits for the task, and every 8th task stalls on a slow log sink
/// (10 s), so it is still alive when the process exits and everything it
/// holds leaks.
#[inline(never)]
fn spawn_access_log_task(id: u64, req: &GetRequest, body: &[u8]) {
    let record = format!("{} {}/{} {} bytes", id, req.bucket, req.key, body.len());
    let body_sample = body[..body.len().min(2048)].to_vec();
    let stalled = id % 8 == 5;
    let _ = thread::spawn(move || {
        thread::sleep(Duration::from_millis(if stalled { 10_000 } else { 2 }));
        black_box((&record, &body_sample));
    });
}

/// Keeps a copy of hot objects. Never cleared: grows for the life of the process.
#[inline(never)]
fn cache_hot_object(body: &[u8]) {
    CACHE.lock().unwrap().push(body.to_vec());
}

#[inline(never)]
fn handle_get_object(id: u64, catalog: &HashMap<String, ObjectMeta>) -> usize {
    let raw = receive_request(id);
    let req = parse_request(&raw);
    let meta = match lookup_object_metadata(catalog, &req.bucket, &req.key) {
        Some(meta) => meta,
        None => return 0,
    };
    let checksum = if meta.multipart { assemble_multipart_object(id) } else { id };
    let body = read_object_body(id, meta, req.range);
    if id % 20 == 0 {
        cache_hot_object(&body);
    }
    let headers = build_response_headers(&req, meta, body.len(), checksum);
    spawn_access_log_task(id, &req, &body);
    black_box(&headers).len() + black_box(&body).len()
}

fn main() {
    let catalog = build_catalog();
    let mut sent = 0usize;
    for id in 0..REQUESTS {
        sent += handle_get_object(id, &catalog);
    }
    // give the quick log tasks time to finish; stalled ones are never joined
    thread::sleep(Duration::from_millis(200));
    println!(
        "served {} GET requests, {} bytes, {} cached objects",
        REQUESTS,
        sent,
        CACHE.lock().unwrap().len()
    );
}
