//! Profile pictures over HTTP (contract section 10): what an upload of each format becomes,
//! what is refused and with which message, and how pictures are served.

use std::io::Cursor;

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder as _, Rgb, RgbImage};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{TestApp, expect, expect_invalid, spawn_app};

const INVALID: &str = "Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP)";

/// 200 wide and 100 tall: red on the left, blue on the right.
pub(crate) fn landscape() -> RgbImage {
    RgbImage::from_fn(200, 100, |x, _| {
        if x < 100 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

/// A little-endian EXIF block with one entry: orientation 6 (turn 90° clockwise to view).
fn exif_rotate_90() -> Vec<u8> {
    let mut exif = b"II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00".to_vec();
    exif.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0]);
    exif
}

pub(crate) fn png(picture: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).unwrap();
    }
    encoder
        .write_image(
            picture.as_raw(),
            picture.width(),
            picture.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

fn jpeg(picture: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(
            picture.as_raw(),
            picture.width(),
            picture.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

fn gif(picture: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    GifEncoder::new(&mut out)
        .encode(
            &image::DynamicImage::ImageRgb8(picture.clone()).to_rgba8(),
            picture.width(),
            picture.height(),
            ExtendedColorType::Rgba8,
        )
        .unwrap();
    out
}

fn webp(picture: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(
            picture.as_raw(),
            picture.width(),
            picture.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A PNG whose header declares 100000x100000 pixels (and whose data is a few bytes).
fn png_bomb() -> Vec<u8> {
    let mut header = png(&RgbImage::new(1, 1), None);
    // IHDR's width and height sit at bytes 16..24; its CRC follows the 13 data bytes.
    header[16..20].copy_from_slice(&100_000_u32.to_be_bytes());
    header[20..24].copy_from_slice(&100_000_u32.to_be_bytes());
    let crc = crc32fast::hash(&header[12..29]);
    header[29..33].copy_from_slice(&crc.to_be_bytes());
    header
}

pub(crate) async fn upload(
    app: &TestApp,
    id: i64,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .patch(app.url(&format!("/api/users/{id}/picture")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Fetches the picture at `path` and checks how it is served.
async fn served(app: &TestApp, path: &str) -> image::DynamicImage {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let bytes = response.bytes().await.unwrap();
    let reader = image::ImageReader::new(Cursor::new(bytes.to_vec()))
        .with_guessed_format()
        .unwrap();
    assert_eq!(reader.format(), Some(image::ImageFormat::Jpeg));
    reader.decode().unwrap()
}

fn is_red(pixel: Rgb<u8>) -> bool {
    pixel[0] > 200 && pixel[2] < 60
}

fn is_blue(pixel: Rgb<u8>) -> bool {
    pixel[2] > 200 && pixel[0] < 60
}

#[tokio::test]
async fn each_format_becomes_a_300_by_300_jpeg_with_its_exif_rotation_applied() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let picture = landscape();
    for (name, bytes, rotated) in [
        ("turned.png", png(&picture, Some(exif_rotate_90())), true),
        ("plain.gif", gif(&picture), false),
        ("plain.webp", webp(&picture), false),
        ("plain.jpg", jpeg(&picture), false),
    ] {
        let response = upload(&app, alice.id, &alice.token, name, bytes).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        let file = body["image_file"].as_str().unwrap().to_owned();
        assert_eq!(file.len(), 36, "{file}");
        assert_eq!(body["image_path"], format!("/media/profile_pics/{file}"));
        let shown = served(&app, body["image_path"].as_str().unwrap())
            .await
            .to_rgb8();
        assert_eq!(shown.dimensions(), (300, 300), "{name}");
        if rotated {
            // Turned upright, the red half is on top and the crop keeps both halves.
            assert!(is_red(*shown.get_pixel(150, 40)), "{name}: top is red");
            assert!(
                is_blue(*shown.get_pixel(150, 260)),
                "{name}: bottom is blue"
            );
        } else {
            assert!(is_red(*shown.get_pixel(40, 150)), "{name}: left is red");
            assert!(is_blue(*shown.get_pixel(260, 150)), "{name}: right is blue");
        }
    }
}

#[tokio::test]
async fn what_is_no_usable_image_is_refused_with_one_message() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let mut truncated = jpeg(&landscape());
    truncated.truncate(truncated.len() / 2);
    for (name, bytes) in [
        ("notes.png", b"just some text, not a picture".to_vec()),
        ("half.jpg", truncated),
        ("bomb.png", png_bomb()),
    ] {
        expect(
            upload(&app, alice.id, &alice.token, name, bytes).await,
            StatusCode::BAD_REQUEST,
            json!({ "detail": INVALID }),
        )
        .await;
    }
    let me: Value = app
        .get_as("/api/users/me", &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["image_file"], Value::Null, "nothing changed");
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_while_it_is_read() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    expect(
        upload(
            &app,
            alice.id,
            &alice.token,
            "big.png",
            vec![0_u8; 6 * 1024 * 1024],
        )
        .await,
        StatusCode::BAD_REQUEST,
        json!({ "detail": "File too large. Maximum size is 5MB" }),
    )
    .await;
}

#[tokio::test]
async fn the_limit_in_the_message_follows_the_setting() {
    let app = crate::support::spawn_app_with(&[("MAX_UPLOAD_SIZE_BYTES", "2097152")]).await;
    let alice = app.account("alice").await;
    expect(
        upload(
            &app,
            alice.id,
            &alice.token,
            "big.png",
            vec![0_u8; 3 * 1024 * 1024],
        )
        .await,
        StatusCode::BAD_REQUEST,
        json!({ "detail": "File too large. Maximum size is 2MB" }),
    )
    .await;
}

#[tokio::test]
async fn only_the_owner_changes_or_removes_a_picture() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    expect(
        upload(&app, alice.id, &bob.token, "a.png", png(&landscape(), None)).await,
        StatusCode::FORBIDDEN,
        json!({ "detail": "Not authorized to update this user's picture" }),
    )
    .await;
    let response = app
        .client
        .delete(app.url(&format!("/api/users/{}/picture", alice.id)))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    expect(
        response,
        StatusCode::FORBIDDEN,
        json!({ "detail": "Not authorized to delete this user's picture" }),
    )
    .await;
}

#[tokio::test]
async fn removing_a_picture_restores_the_default_and_removing_none_is_refused() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let delete = || {
        app.client
            .delete(app.url(&format!("/api/users/{}/picture", alice.id)))
            .bearer_auth(&alice.token)
            .send()
    };
    expect(
        delete().await.unwrap(),
        StatusCode::BAD_REQUEST,
        json!({ "detail": "No profile picture to delete" }),
    )
    .await;
    let uploaded: Value = upload(
        &app,
        alice.id,
        &alice.token,
        "a.png",
        png(&landscape(), None),
    )
    .await
    .json()
    .await
    .unwrap();
    let path = uploaded["image_path"].as_str().unwrap().to_owned();
    let removed = delete().await.unwrap();
    assert_eq!(removed.status(), StatusCode::OK);
    let removed: Value = removed.json().await.unwrap();
    assert_eq!(removed["image_file"], Value::Null);
    assert_eq!(removed["image_path"], "/static/profile_pics/default.jpg");
    assert_eq!(
        app.get(&path).await.status(),
        StatusCode::NOT_FOUND,
        "the file is gone"
    );
}

#[tokio::test]
async fn a_new_picture_replaces_the_old_file_and_a_deleted_account_takes_its_picture_along() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let first: Value = upload(
        &app,
        alice.id,
        &alice.token,
        "a.png",
        png(&landscape(), None),
    )
    .await
    .json()
    .await
    .unwrap();
    let second: Value = upload(&app, alice.id, &alice.token, "b.jpg", jpeg(&landscape()))
        .await
        .json()
        .await
        .unwrap();
    let (first, second) = (
        first["image_path"].as_str().unwrap().to_owned(),
        second["image_path"].as_str().unwrap().to_owned(),
    );
    assert_ne!(first, second);
    assert_eq!(app.get(&first).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&second).await.status(), StatusCode::OK);
    let deleted = app
        .client
        .delete(app.url(&format!("/api/users/{}", alice.id)))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&second).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_upload_without_a_file_field_is_a_422() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let form = Form::new().text("other", "x");
    let response = app
        .client
        .patch(app.url(&format!("/api/users/{}/picture", alice.id)))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_invalid(response, "missing", json!(["body", "file"])).await;
}

#[tokio::test]
async fn the_global_body_limit_still_holds_for_every_other_route() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/users/{}", alice.id)))
        .bearer_auth(&alice.token)
        .header("content-type", "application/json")
        .body(json!({ "username": "x".repeat(1024 * 1024) }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
