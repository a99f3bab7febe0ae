//! Picture uploads under a flood: forty clients (each its own address, 127.0.0.100 to .139)
//! upload a 5 MiB PNG of noise at once while another client reads `/api/users/me` back to
//! back; then real decompression bombs, eight in flight at all times (as many as the
//! server's picture places) from eight more addresses: the 35-byte GIF whose screen is
//! 10000x10000, the 16-bit RGBA PNG of 10000x10000 (800 MB of pixels in under 1 MB), and a
//! 5 MB PNG of 20000x20000 pixels, each sent eight times; then eight 6 MiB files at once,
//! each refused. Reports every status (no 5xx but 503 in the flood, each 503 with
//! `Retry-After`; every bomb answered 400, none slower than a second), the `/me` p99 during
//! the flood against one picture's processing time measured alone beforehand (the p99 must
//! stay under a tenth of it), and the server's peak RSS against the documented bound (hashing
//! runs with cheap parameters here, so its memory does not hide the pictures'). Writes
//! `target/bench/picture_flood.json`.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use image::{ExtendedColorType, ImageEncoder as _};
use quill_test_support::bombs::{self, PngPixels};
use serde_json::json;

use crate::client::{client_at, create_account, email_of, sign_in};
use crate::report::Check;
use crate::stats::{median, ms, percentile};
use crate::{Failure, report, server::Server};

const FLOODERS: u8 = 40;
/// The server's defaults, written out so the bound below is computed from them.
const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;
const PICTURE_PLACES: usize = 8;
const PICTURE_SLOTS: usize = 1;
/// `quill_infra::pictures::MAX_DECODE_BYTES`.
const MAX_DECODE_BYTES: usize = 96 * 1024 * 1024;

/// A PNG of noise just under the upload limit: it compresses to no less than its pixels.
fn noise_png() -> Vec<u8> {
    let (width, height) = (1280_u32, 1330_u32);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let pixels: Vec<u8> = (0..width * height * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, width, height, ExtendedColorType::Rgb8)
        .unwrap_or_default();
    png
}

/// The bombs, by name: real files whose pixels are all there, compressed.
fn bombs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "GIF, 10000x10000 screen",
            bombs::gif_with_a_huge_screen(10_000),
        ),
        (
            "PNG, 10000x10000 16-bit RGBA",
            bombs::png(10_000, 10_000, PngPixels::Rgba16, 0),
        ),
        // Noise in the first rows pads it to about 5 MB, under the upload limit.
        (
            "PNG, 20000x20000 RGB",
            bombs::png(20_000, 20_000, PngPixels::Rgb8, 62),
        ),
    ]
}

/// How many times each bomb is sent, and how many are in flight at once (the server's
/// picture places, so none is turned away for want of one).
const BOMB_ROUNDS: usize = 8;
const BOMBS_IN_FLIGHT: usize = PICTURE_PLACES;

/// The bombs' answers: each one's status and time, under `name`.
async fn bomb_flood(
    base: &str,
    senders: Vec<(reqwest::Client, i64, String)>,
    bombs: &[(&'static str, Vec<u8>)],
) -> Result<Vec<(&'static str, u16, Duration)>, Failure> {
    let queue: Vec<(&'static str, Vec<u8>)> = (0..BOMB_ROUNDS)
        .flat_map(|_| bombs.iter().map(|(name, bytes)| (*name, bytes.clone())))
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(queue));
    let workers = senders.into_iter().map(|(client, id, token)| {
        let (queue, base) = (queue.clone(), base.to_owned());
        tokio::spawn(async move {
            let mut answers = Vec::new();
            loop {
                let next = queue.lock().map_err(|e| e.to_string())?.pop();
                let Some((name, bytes)) = next else {
                    return Ok::<_, Failure>(answers);
                };
                let (status, _, took) = upload(&client, &base, id, &token, bytes).await?;
                answers.push((name, status, took));
            }
        })
    });
    let mut answers = Vec::new();
    for worker in workers.collect::<Vec<_>>() {
        answers.extend(worker.await.map_err(|e| e.to_string())??);
    }
    Ok(answers)
}

/// An account of its own for a client at `address`: its id and token.
async fn account(
    base: &str,
    address: [u8; 4],
    name: &str,
) -> Result<(reqwest::Client, i64, String), Failure> {
    let client = client_at(address)?;
    create_account(&client, base, name).await?;
    let token = sign_in(&client, base, &email_of(name)).await?;
    let me: serde_json::Value = client
        .get(format!("{base}/api/users/me"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let id = me["id"].as_i64().ok_or("no id")?;
    Ok((client, id, token))
}

/// One upload: its status and whether a 503 carried `Retry-After`.
async fn upload(
    client: &reqwest::Client,
    base: &str,
    id: i64,
    token: &str,
    bytes: Vec<u8>,
) -> Result<(u16, bool, Duration), Failure> {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("picture.png"),
    );
    let started = Instant::now();
    let response = client
        .patch(format!("{base}/api/users/{id}/picture"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await?;
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let _ = response.bytes().await?;
    Ok((status, retry_after, started.elapsed()))
}

/// Measures, prints the report, and writes it.
///
/// # Errors
/// When the server cannot be started or a request fails.
#[allow(clippy::too_many_lines)]
pub async fn run() -> Result<bool, Failure> {
    let setup = reqwest::Client::new();
    // Hashing is not what is measured: cheap parameters keep Argon2's memory out of the
    // server's peak, so what remains is the pictures'.
    let server = Server::start(
        &setup,
        &[
            ("REGISTER_RATE_BURST", "1000000"),
            ("ARGON2_MEMORY_KIB", "1024"),
            ("ARGON2_ITERATIONS", "1"),
            ("ARGON2_PARALLELISM", "1"),
        ],
    )
    .await?;
    let base = server.base().to_owned();
    let picture = Arc::new(noise_png());
    let bombs = bombs();
    for (name, bytes) in &bombs {
        println!("bomb {name}: {} bytes", bytes.len());
        if bytes.len() > UPLOAD_LIMIT {
            return Err(format!("the bomb {name} is over the upload limit").into());
        }
    }
    println!(
        "noise PNG: {:.2} MiB; registering {FLOODERS} clients...",
        picture.len() as f64 / 1048576.0
    );
    let mut flooders = Vec::new();
    for n in 0..FLOODERS {
        flooders.push(account(&base, [127, 0, 0, 100 + n], &format!("uploader{n}")).await?);
    }
    let mut bombers = Vec::new();
    for n in 0..BOMBS_IN_FLIGHT {
        let host = 160 + u8::try_from(n).map_err(|e| e.to_string())?;
        bombers.push(account(&base, [127, 0, 0, host], &format!("bomber{n}")).await?);
    }
    let (reader, _, reader_token) = account(&base, [127, 0, 0, 200], "reader").await?;
    let idle_rss = server.peak_rss_mib();

    // One picture alone: the time its processing takes, the yardstick for `/me`.
    let (alone_client, alone_id, alone_token) = &flooders[0];
    let mut alone = Vec::new();
    for _ in 0..3 {
        let (status, _, took) = upload(
            alone_client,
            &base,
            *alone_id,
            alone_token,
            picture.to_vec(),
        )
        .await?;
        if status != 200 {
            return Err(format!("a lone upload answered {status}").into());
        }
        alone.push(took);
    }
    let one_picture = median(alone);
    println!("one picture alone: {:.1} ms", ms(one_picture));

    let stop = Arc::new(AtomicBool::new(false));
    let me_loop = {
        let (stop, base, token) = (stop.clone(), base.clone(), reader_token.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let ok = reader
                    .get(format!("{base}/api/users/me"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map(|r| r.status().as_u16() == 200)
                    .unwrap_or(false);
                if ok {
                    latencies.push(started.elapsed());
                }
            }
            latencies
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let uploads = flooders.into_iter().map(|(client, id, token)| {
        let (base, bytes) = (base.clone(), picture.to_vec());
        tokio::spawn(async move { upload(&client, &base, id, &token, bytes).await })
    });
    let started = Instant::now();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut busy_without_retry_after = 0;
    for upload in uploads.collect::<Vec<_>>() {
        let (status, retry_after, _) = upload.await.map_err(|e| e.to_string())??;
        *statuses.entry(status).or_default() += 1;
        if status == 503 && !retry_after {
            busy_without_retry_after += 1;
        }
    }
    let flood_time = started.elapsed();
    let bombed = bomb_flood(&base, bombers, &bombs).await?;
    let mut bomb_statuses: BTreeMap<&str, BTreeMap<u16, usize>> = BTreeMap::new();
    for (name, status, _) in &bombed {
        *bomb_statuses
            .entry(name)
            .or_default()
            .entry(*status)
            .or_default() += 1;
    }
    let bombs_refused = bombed
        .iter()
        .filter(|(_, status, _)| *status == 400)
        .count();
    let slowest_bomb = bombed
        .iter()
        .map(|(_, _, took)| *took)
        .max()
        .unwrap_or_default();
    // Then files over the limit, at once: each refused with the contract's 400, none read
    // past the limit.
    let oversized = vec![0_u8; 6 * 1024 * 1024];
    let mut too_large = 0;
    let over = (0..8_u8).map(|n| {
        let (base, token, bytes) = (base.clone(), reader_token.clone(), oversized.clone());
        tokio::spawn(async move {
            let client = client_at([127, 0, 0, 220 + n])?;
            let me: serde_json::Value = client
                .get(format!("{base}/api/users/me"))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            let id = me["id"].as_i64().ok_or("no id")?;
            upload(&client, &base, id, &token, bytes).await
        })
    });
    for answer in over.collect::<Vec<_>>() {
        let (status, _, _) = answer.await.map_err(|e| e.to_string())??;
        if status == 400 {
            too_large += 1;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut me = me_loop.await.map_err(|e| e.to_string())?;
    me.sort();
    let me_p99 = percentile(&me, 0.99);
    let peak_rss = server.peak_rss_mib();
    let mib = 1024.0 * 1024.0;
    let bound = idle_rss
        + (PICTURE_PLACES * UPLOAD_LIMIT) as f64 / mib
        + (PICTURE_SLOTS * (MAX_DECODE_BYTES + 2 * UPLOAD_LIMIT)) as f64 / mib;
    let server_errors: usize = statuses
        .iter()
        .filter(|(status, _)| **status >= 500 && **status != 503)
        .map(|(_, n)| n)
        .sum();
    let checks = [
        Check {
            name: "5xx other than 503",
            measured: server_errors as f64,
            target: "= 0",
            ok: server_errors == 0,
        },
        Check {
            name: "503 without Retry-After",
            measured: f64::from(busy_without_retry_after),
            target: "= 0",
            ok: busy_without_retry_after == 0,
        },
        Check {
            name: "bombs answered 400",
            measured: bombs_refused as f64,
            target: "= all",
            ok: bombs_refused == bombed.len(),
        },
        Check {
            name: "slowest bomb's answer, s",
            measured: slowest_bomb.as_secs_f64(),
            target: "< 1",
            ok: slowest_bomb < Duration::from_secs(1),
        },
        Check {
            name: "/me p99 / one picture's processing",
            measured: me_p99.as_secs_f64() / one_picture.as_secs_f64(),
            target: "< 0.10",
            ok: me_p99 * 10 < one_picture,
        },
        Check {
            name: "6 MiB uploads refused with 400, of 8",
            measured: f64::from(too_large),
            target: "= 8",
            ok: too_large == 8,
        },
        Check {
            name: "peak RSS MiB / documented bound",
            measured: peak_rss / bound,
            target: "<= 1",
            ok: peak_rss <= bound,
        },
    ];
    println!();
    println!(
        "uploads' statuses: {statuses:?} in {:.1} s",
        flood_time.as_secs_f64()
    );
    println!(
        "bombs ({} in flight at once): {bomb_statuses:?}, slowest answer {:.1} ms",
        BOMBS_IN_FLIGHT,
        ms(slowest_bomb)
    );
    println!(
        "/me during the flood: {} requests, p50 {:.2} ms, p99 {:.2} ms",
        me.len(),
        ms(percentile(&me, 0.5)),
        ms(me_p99)
    );
    println!(
        "server RSS: idle {idle_rss:.1} MiB, peak {peak_rss:.1} MiB, bound {bound:.1} MiB \
         (idle + places x upload limit + slots x (decode limit + 2 x upload limit))"
    );
    println!();
    report::print_checks(&checks);
    report::write(
        "picture_flood.json",
        &json!({
            "uploads": FLOODERS,
            "picture_bytes": picture.len(),
            "one_picture_ms": ms(one_picture),
            "statuses": statuses,
            "bomb_statuses": bomb_statuses,
            "slowest_bomb_ms": ms(slowest_bomb),
            "me_requests": me.len(),
            "me_p99_ms": ms(me_p99),
            "idle_rss_mib": idle_rss,
            "peak_rss_mib": peak_rss,
            "rss_bound_mib": bound,
            "checks": checks.iter().map(Check::to_json).collect::<Vec<_>>(),
        }),
    )?;
    println!("\nreport: target/bench/picture_flood.json");
    Ok(checks.iter().all(|c| c.ok))
}
