//! What asymmetric signing costs a request: a server signing with Ed25519 (`ALGORITHM=EdDSA`)
//! beside one signing with HS256, both under the same `/api/users/me` load at the same time
//! (see [`crate::side_by_side`]). An Ed25519 verification takes far more CPU than an HMAC, and
//! every authenticated request verifies its token. The figure is the run's EdDSA / HS256
//! req/s (all windows' requests), which must stay at least 0.8; each window's ratio and the
//! servers' CPU time per request are reported beside it. The run's figure rather than the
//! median window's: two servers loaded at once on two cores share them unevenly from one
//! window to the next (single windows range from 0.7 to 1.9 with the same builds), and the
//! run's totals even that out. It also times `quill-axum`'s offline verifier against the
//! EdDSA server's key set, checking every signature and remembering verified tokens, which is
//! what a service trusting quill's tokens pays per request. Writes `target/bench/token_signing.json`. `BENCH_SECONDS` sets each window
//! (default 2).

#![allow(clippy::print_stdout)]

use std::time::Duration;

use serde_json::json;

use crate::report::Check;
use crate::side_by_side::{LOAD_CONCURRENCY, Side, compare, print_comparison};
use crate::stats::{median, median_of};
use crate::{Failure, env_number, report};

/// Windows measured; the figure is over all of them.
const WINDOWS: usize = 7;
const MIN_RATIO: f64 = 0.8;

/// The benchmark's own signing key (made with `openssl genpkey -algorithm ed25519`); it signs
/// nothing outside a benchmark run.
const BENCH_SIGNING_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEICTQ1ZiC9tW5v9sbW6n4sh4vDAcw/+z0DXm04oRbaeoo
-----END PRIVATE KEY-----
";

/// Measures, prints the comparison, and writes the report.
///
/// # Errors
/// When a server cannot be started, a request fails, or the EdDSA server's token is not
/// an EdDSA token.
pub async fn run() -> Result<bool, Failure> {
    let seconds = env_number("BENCH_SECONDS", 2);
    let window = Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let keys = tempfile::tempdir()?;
    let key_file = keys.path().join("signing.pem");
    std::fs::write(&key_file, BENCH_SIGNING_KEY)?;
    let key_file = key_file.display().to_string();
    let mut hmac = Side::start(&client, &[]).await?;
    let mut eddsa = Side::start(
        &client,
        &[
            ("ALGORITHM", "EdDSA"),
            ("SIGNING_KEY_FILE", key_file.as_str()),
        ],
    )
    .await?;
    let header = eddsa
        .token()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    if !header_says_eddsa(&header) {
        return Err(format!("the EdDSA server issued another kind of token: {header}").into());
    }

    let ratios = compare(
        &client,
        &mut hmac,
        &mut eddsa,
        WINDOWS,
        window,
        "/api/users/me on the HS256 and the EdDSA server at once",
    )
    .await?;
    let ratio = eddsa.run_requests_per_second() / hmac.run_requests_per_second();
    let median_window = median_of(ratios.clone());
    let offline = OfflineCost::measure(eddsa.server.base(), eddsa.token()).await?;
    let cpu = (
        hmac.cpu_micros_per_request(window),
        eddsa.cpu_micros_per_request(window),
    );
    let check = Check {
        name: "/me req/s EdDSA / HS256 (whole run)",
        measured: ratio,
        target: ">= 0.80",
        ok: ratio >= MIN_RATIO,
    };
    print_comparison(["HS256", "EdDSA"], [&hmac, &eddsa], &ratios, window, check);
    println!(
        "\noffline verification (quill-axum, median of {OFFLINE_SAMPLES}): \
         every signature checked {:.1} µs, a remembered token {:.1} µs",
        offline.full_micros, offline.remembered_micros
    );
    report::write(
        "token_signing.json",
        &json!({
            "window_seconds": seconds,
            "concurrency": LOAD_CONCURRENCY,
            "hs256": hmac.windows_json(),
            "eddsa": eddsa.windows_json(),
            "eddsa_over_hs256_per_window": ratios,
            "ratio": ratio,
            "median_window_ratio": median_window,
            "server_cpu_us_per_request_hs256": cpu.0,
            "server_cpu_us_per_request_eddsa": cpu.1,
            "offline_verify_us_full": offline.full_micros,
            "offline_verify_us_remembered": offline.remembered_micros,
            "checks": [check.to_json()],
        }),
    )?;
    println!("\nreport: target/bench/token_signing.json");
    Ok(check.ok)
}

/// Whether a token's encoded header names EdDSA, so that the comparison is the real one.
fn header_says_eddsa(encoded: &str) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|header| header["alg"] == "EdDSA")
}

/// Verifications timed per way of verifying.
const OFFLINE_SAMPLES: usize = 2000;

/// What one offline verification of a quill token costs another service.
struct OfflineCost {
    full_micros: f64,
    remembered_micros: f64,
}

impl OfflineCost {
    async fn measure(base: &str, token: &str) -> Result<Self, Failure> {
        let claims = claims_of(token)?;
        let (Some(issuer), Some(audience)) = (claims["iss"].as_str(), claims["aud"].as_str())
        else {
            return Err(format!("the EdDSA token names no issuer or audience: {claims}").into());
        };
        let url = format!("{base}/.well-known/jwks.json").parse()?;
        let settings = quill_axum::JwksSettings::new(url, issuer, audience);
        let mut every_time = settings.clone();
        every_time.verified_tokens = 0;
        Ok(Self {
            full_micros: Self::median_micros(every_time, token).await?,
            remembered_micros: Self::median_micros(settings, token).await?,
        })
    }

    async fn median_micros(
        settings: quill_axum::JwksSettings,
        token: &str,
    ) -> Result<f64, Failure> {
        let verifier = quill_axum::JwksVerifier::new(settings);
        let refused = |refusal| format!("the offline verifier refused quill's token: {refusal:?}");
        // The first call fetches the key set; it is not what a request costs.
        verifier.verify(token).await.map_err(refused)?;
        let mut samples = Vec::with_capacity(OFFLINE_SAMPLES);
        for _ in 0..OFFLINE_SAMPLES {
            let started = std::time::Instant::now();
            verifier.verify(token).await.map_err(refused)?;
            samples.push(started.elapsed());
        }
        Ok(median(samples).as_secs_f64() * 1e6)
    }
}

/// The claims of a token, unverified: the issuer and audience the verifier is told to expect.
fn claims_of(token: &str) -> Result<serde_json::Value, Failure> {
    use base64::Engine as _;
    let encoded = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded)?;
    Ok(serde_json::from_slice(&bytes)?)
}
