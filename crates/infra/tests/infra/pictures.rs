//! The picture adapters on real storage: the file store, the database store on SQLite and
//! (with `TEST_DATABASE_URL`) PostgreSQL, the account's compare-and-swap of its picture, and
//! the processor's limits.

use std::time::Duration;

use chrono::Utc;
use image::{ExtendedColorType, ImageEncoder as _};
use quill_domain::{
    Email, NewUser, PasswordHash, PictureError, PictureOwners, PictureProcessor, PictureStore,
    PictureSwap, UserRepository, Username,
};
use quill_infra::{
    DatabasePictureStore, FilePictureStore, ImagePictureProcessor, SeaOrmUserRepository, connect,
};
use quill_test_support::TestDatabase;
use quill_test_support::bombs::{self, PngPixels};

async fn round_trip(store: &dyn PictureStore) {
    let name = store.fresh_name().unwrap();
    assert_ne!(store.fresh_name().unwrap(), name, "names never repeat");
    assert_eq!(store.load(&name).await.unwrap(), None);
    store.save(&name, b"jpeg bytes").await.unwrap();
    assert_eq!(
        store.load(&name).await.unwrap().as_deref(),
        Some(b"jpeg bytes".as_slice())
    );
    let later = Utc::now() + chrono::Duration::seconds(5);
    assert_eq!(
        store
            .saved_between(Utc::now() - chrono::Duration::hours(1), later)
            .await
            .unwrap(),
        std::slice::from_ref(&name)
    );
    let earlier = Utc::now() - chrono::Duration::hours(1);
    assert!(
        store
            .saved_between(earlier - chrono::Duration::hours(1), earlier)
            .await
            .unwrap()
            .is_empty()
    );
    store.remove(&name).await.unwrap();
    store.remove(&name).await.unwrap();
    assert_eq!(store.load(&name).await.unwrap(), None);
}

#[tokio::test]
async fn the_file_store_keeps_removes_and_lists_pictures() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(&FilePictureStore::new(dir.path().join("profile_pics"))).await;
}

#[tokio::test]
async fn the_database_store_keeps_removes_and_lists_pictures() {
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    round_trip(&DatabasePictureStore::new(db)).await;
}

#[tokio::test]
async fn an_accounts_picture_changes_only_from_the_picture_it_was_expected_to_have() {
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    let users = SeaOrmUserRepository::new(db);
    let alice = users
        .create(NewUser {
            username: Username::parse("alice").unwrap(),
            email: Email::parse("alice@example.com").unwrap(),
            password_hash: PasswordHash::new("$argon2id$x"),
        })
        .await
        .unwrap()
        .id;
    let swap = |expected, new| users.swap_image_file(alice, expected, new);
    assert_eq!(
        swap(None, Some("a.jpg")).await.unwrap(),
        PictureSwap::Swapped
    );
    assert_eq!(
        swap(None, Some("b.jpg")).await.unwrap(),
        PictureSwap::Changed
    );
    assert_eq!(
        swap(Some("a.jpg"), Some("b.jpg")).await.unwrap(),
        PictureSwap::Swapped
    );
    assert!(users.image_file_in_use("b.jpg").await.unwrap());
    assert!(!users.image_file_in_use("a.jpg").await.unwrap());
    assert_eq!(
        swap(Some("b.jpg"), None).await.unwrap(),
        PictureSwap::Swapped
    );
    assert_eq!(
        users
            .swap_image_file(quill_domain::UserId(999), None, Some("c.jpg"))
            .await
            .unwrap(),
        PictureSwap::Gone
    );
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &vec![90; (width * height * 3) as usize],
            width,
            height,
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

#[tokio::test]
async fn the_processor_makes_a_300_pixel_jpeg_and_refuses_what_is_no_image() {
    let processor = ImagePictureProcessor::new(1, 1);
    let jpeg = processor.process(png(640, 480)).await.unwrap();
    let decoded = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (300, 300));
    assert!(matches!(
        processor.process(b"plain text".to_vec()).await,
        Err(PictureError::Invalid)
    ));
    // A BMP decodes with the image crate's full feature set, not with quill's.
    assert!(matches!(
        processor.process(b"BM\x00\x00".to_vec()).await,
        Err(PictureError::Invalid)
    ));
}

#[tokio::test]
async fn beyond_its_slots_and_queue_the_processor_is_busy_at_once() {
    let processor = ImagePictureProcessor::new(1, 0);
    let big = png(4000, 3000);
    let mut first = processor.process(big.clone());
    // Polled once, the first takes the one place and hands its work to the blocking pool.
    tokio::select! {
        biased;
        _ = &mut first => panic!("a 4000x3000 picture is not processed within one poll"),
        () = std::future::ready(()) => {}
    }
    assert!(matches!(
        processor.process(big).await,
        Err(PictureError::Busy)
    ));
    assert!(first.await.is_ok());
}

#[tokio::test]
async fn a_gif_with_a_huge_logical_screen_is_refused_without_allocating_it() {
    let bomb = bombs::gif_with_a_huge_screen(10_000);
    assert_eq!(bomb.len(), 35);
    let processor = ImagePictureProcessor::new(1, 1);
    assert!(matches!(
        processor.process(bomb).await,
        Err(PictureError::Invalid)
    ));
}

#[tokio::test]
async fn a_sixteen_bit_png_whose_pixels_outgrow_the_budget_is_refused_before_decoding() {
    // 800 MB of pixels in under a megabyte, within the dimension limit.
    let bomb = bombs::png(10_000, 10_000, PngPixels::Rgba16, 0);
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let processor = ImagePictureProcessor::new(1, 1);
    assert!(matches!(
        processor.process(bomb).await,
        Err(PictureError::Invalid)
    ));
}

#[tokio::test]
async fn a_picture_whose_pixels_fit_but_whose_scaling_does_not_is_refused() {
    // 5500x5500 RGB is 90.75 MB of pixels, under the budget of 96 MiB alone; scaling its
    // 5500-pixel square takes 26.4 MB more.
    let picture = bombs::png(5_500, 5_500, PngPixels::Rgb8, 0);
    let processor = ImagePictureProcessor::new(1, 1);
    assert!(matches!(
        processor.process(picture).await,
        Err(PictureError::Invalid)
    ));
}

#[tokio::test]
async fn a_large_picture_within_the_budget_is_scaled_down() {
    let picture = bombs::png(4_000, 3_000, PngPixels::Rgb8, 0);
    let processor = ImagePictureProcessor::new(1, 1);
    let jpeg = processor.process(picture).await.unwrap();
    let decoded = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (300, 300));
}
