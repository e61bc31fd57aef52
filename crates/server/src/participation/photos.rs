//! Then-and-now photos: a resident sends a photo of a place of the region (where, which
//! year, a caption); it is shown once a moderator accepts it.
//!
//! The upload is untrusted bytes, so the server never keeps or serves them: it reads the
//! image's size from its header first (a small file can claim a huge image and make the
//! decoder ask for gigabytes), decodes it within memory limits on a blocking thread,
//! turns it upright, scales it down and encodes a new JPEG. The new file carries no
//! metadata at all: the camera's EXIF block, with the GPS position of the writer's home
//! or the owner's name, is never copied.

use std::io::Cursor;

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Datelike;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use serde::Serialize;
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Moderator;
use super::calls::today;
use super::client::ClientAddress;
use super::contributions::{self, Created, Kind};
use super::input::{self, IdPath, Language, Lines};
use super::rate_limit::{self, Bucket};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

const MIB: usize = 1024 * 1024;

/// The largest image file taken: a phone's photo, or a scanned print, fits.
const IMAGE_LIMIT: usize = 8 * MIB;

/// The upload route's body limit: the image, the other fields and the multipart framing.
/// It replaces the participation routes' 64 KiB on this route only (the innermost
/// `DefaultBodyLimit` a request passes is the one its extractor reads).
const BODY_LIMIT: usize = IMAGE_LIMIT + MIB;

/// The most pixels an image may have, read from its header before decoding: 40
/// megapixels is beyond any phone camera, and decoding it takes 120 MB already.
const MAX_PIXELS: u64 = 40_000_000;

/// The most memory the decoder may ask for: a 40-megapixel image in 8-bit RGBA is 160
/// MB, so 16-bit images of that size are refused rather than decoded.
const DECODE_ALLOC: u64 = 256 * MIB as u64;

/// The longest side of the stored image: enough for a screen, small to serve.
const MAX_SIDE: u32 = 2048;

const JPEG_QUALITY: u8 = 85;

/// The most bytes a text field of the form may have (a 500-character caption in four
/// bytes a character is 2,000).
const TEXT_FIELD_LIMIT: usize = 8 * 1024;

/// Images decoded at once in this process. Each decode may hold up to `DECODE_ALLOC`
/// and a core for a second or more; the rest wait their turn rather than exhaust the
/// server's memory. A process-wide bound, since every event loop shares the memory.
static DECODING: Semaphore = Semaphore::const_new(2);

/// How long a browser or proxy may keep an accepted photo: short, so a photo withdrawn
/// by its writer soon stops being served from caches.
const PUBLIC_CACHE: &str = "public, max-age=300";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload, accepted))
        .routes(routes!(image))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// The form `POST /api/photos` reads (multipart/form-data).
#[derive(ToSchema)]
#[allow(dead_code)] // describes the form in the API document; the fields are read one by one
struct PhotoForm {
    /// A JPEG or PNG file, at most 8 MiB and 40 megapixels.
    #[schema(value_type = String, content_media_type = "application/octet-stream")]
    image: Vec<u8>,
    /// Where it was taken, WGS 84 degrees, inside a commune of the study area.
    longitude: f64,
    latitude: f64,
    /// The year it was taken, 1850 to this year.
    year: i32,
    /// What it shows, at most 500 characters.
    caption: String,
    language: Language,
    /// Optional, never shown, erased on withdrawal.
    contact_email: Option<String>,
    /// Leave empty.
    website: Option<String>,
}

/// A JPEG file, as the image route answers it.
#[derive(ToSchema)]
#[schema(value_type = String, content_media_type = "image/jpeg")]
#[allow(dead_code)] // describes the answer in the API document; the bytes are sent as read
struct Jpeg(Vec<u8>);

/// The form's fields as sent, before they are checked.
#[derive(Default)]
struct Form {
    image: Option<Vec<u8>>,
    longitude: Option<String>,
    latitude: Option<String>,
    year: Option<String>,
    caption: Option<String>,
    language: Option<String>,
    contact_email: Option<String>,
    website: Option<String>,
}

impl Form {
    /// The slot of a text field, by name; `None` for a field the form does not have.
    fn text_slot(&mut self, name: &str) -> Option<(&'static str, &mut Option<String>)> {
        Some(match name {
            "longitude" => ("longitude", &mut self.longitude),
            "latitude" => ("latitude", &mut self.latitude),
            "year" => ("year", &mut self.year),
            "caption" => ("caption", &mut self.caption),
            "language" => ("language", &mut self.language),
            "contact_email" => ("contact_email", &mut self.contact_email),
            "website" => ("website", &mut self.website),
            _ => return None,
        })
    }
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge(format!(
            "the form is larger than {} MiB; send an image of at most {} MiB",
            BODY_LIMIT / MIB,
            IMAGE_LIMIT / MIB
        ))
    } else {
        ApiError::BadRequest(format!("cannot read the form: {}", e.body_text()))
    }
}

fn required(field: &'static str) -> ApiError {
    ApiError::invalid(field, "this field is required")
}

/// A field's bytes, refused (422 naming it) past `max` without reading further.
async fn read_bounded(
    field: &mut Field<'_>,
    name: &'static str,
    max: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > max {
            return Err(ApiError::invalid(
                name,
                format!(
                    "larger than {} KiB; this field takes at most that",
                    max / 1024
                ),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads every field of the form; a field sent twice is refused (which one would
/// count?), one the form does not have is skipped, as a JSON body's unknown keys are.
async fn read_form(mut multipart: Multipart) -> Result<Form, ApiError> {
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "image" {
            if form.image.is_some() {
                return Err(ApiError::invalid("image", "send one image per photo"));
            }
            form.image = Some(read_bounded(&mut field, "image", IMAGE_LIMIT).await?);
            continue;
        }
        let Some((name, slot)) = form.text_slot(&name) else {
            continue;
        };
        if slot.is_some() {
            return Err(ApiError::invalid(name, "this field is sent twice"));
        }
        let bytes = read_bounded(&mut field, name, TEXT_FIELD_LIMIT).await?;
        let text =
            String::from_utf8(bytes).map_err(|_| ApiError::invalid(name, "not UTF-8 text"))?;
        *slot = Some(text);
    }
    Ok(form)
}

fn number(field: &'static str, value: Option<&str>) -> Result<f64, ApiError> {
    let text = value.map(str::trim).ok_or_else(|| required(field))?;
    text.parse()
        .map_err(|_| ApiError::invalid(field, format!("{text:?} is not a number")))
}

fn language(value: Option<&str>) -> Result<Language, ApiError> {
    match value.map(str::trim) {
        Some("nl") => Ok(Language::Nl),
        Some("fr") => Ok(Language::Fr),
        Some("en") => Ok(Language::En),
        None => Err(required("language")),
        Some(other) => Err(ApiError::invalid(
            "language",
            format!("{other:?} is not one of nl, fr, en"),
        )),
    }
}

/// The re-encoded image.
struct Reencoded {
    jpeg: Vec<u8>,
    width: u32,
    height: u32,
}

fn unreadable(e: ImageError) -> ApiError {
    match e {
        ImageError::Limits(_) => ApiError::invalid(
            "image",
            "this image needs more memory to decode than the server gives one photo; send a smaller one",
        ),
        other => ApiError::invalid(
            "image",
            format!("the image cannot be read ({other}); send a JPEG or PNG file"),
        ),
    }
}

/// Decodes a JPEG or PNG and encodes it again as a JPEG of at most `MAX_SIDE` pixels a
/// side, upright, without any metadata. CPU-bound: run it on a blocking thread.
fn reencode(bytes: &[u8]) -> Result<Reencoded, ApiError> {
    let format = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ApiError::Internal(format!("reading an image from memory: {e}")))?
        .format();
    let format = match format {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => {
            return Err(ApiError::invalid(
                "image",
                "this file is not a JPEG or PNG image",
            ))
        }
    };
    // The header's claim, before any pixel is decoded.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(unreadable)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(ApiError::invalid(
            "image",
            format!(
                "{width} × {height} pixels is more than {} megapixels; send a smaller image",
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // The orientation lives in the EXIF block that is dropped: apply it to the pixels,
    // or portrait photos would be stored lying on their side.
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    decoded.apply_orientation(orientation);
    let scaled = if decoded.width().max(decoded.height()) > MAX_SIDE {
        decoded.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        decoded
    };
    // JPEG has no alpha channel; RGB is also what every viewer expects.
    let rgb = scaled.to_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| ApiError::Internal(format!("encoding a JPEG: {e}")))?;
    Ok(Reencoded {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// Sends a photo of a place of the region, with the year it was taken; shown once a
/// moderator accepts it. The image is stored re-encoded, without its metadata.
#[utoipa::path(
    post,
    operation_id = "upload_photo",
    path = "/api/photos",
    tag = "participation",
    request_body(content = inline(PhotoForm), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Received; pending moderation", body = Created),
        (status = 400, description = "The body is not a multipart form", body = ErrorBody),
        (status = 403, description = "Sent from another site", body = ErrorBody),
        (status = 413, description = "The form is larger than 9 MiB", body = ErrorBody),
        (status = 422, description = "A field is refused (an image that cannot be read: `image`); the answer names it", body = ErrorBody),
        (status = 429, description = "Too many contributions from this address", body = ErrorBody),
    )
)]
async fn upload(
    State(state): State<AppState>,
    client: ClientAddress,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let form = read_form(multipart).await?;
    input::honeypot(form.website.as_deref())?;
    let image = form.image.ok_or_else(|| required("image"))?;
    if image.is_empty() {
        return Err(ApiError::invalid("image", "the file is empty"));
    }
    let point = input::position(
        number("longitude", form.longitude.as_deref())?,
        number("latitude", form.latitude.as_deref())?,
    )?;
    let year_text = form
        .year
        .as_deref()
        .map(str::trim)
        .ok_or_else(|| required("year"))?;
    let year: i32 = year_text
        .parse()
        .map_err(|_| ApiError::invalid("year", format!("{year_text:?} is not a year")))?;
    let caption = form.caption.as_deref().ok_or_else(|| required("caption"))?;
    let caption = input::required_text("caption", caption, 500, Lines::Many)?;
    let language = language(form.language.as_deref())?;
    let contact = input::contact_email(form.contact_email.as_deref(), false)?;
    rate_limit::count(
        state.primary(),
        Bucket::Contribution,
        state.settings.limits.contributions,
        client,
    )
    .await?;
    {
        // Checked before the image is decoded, so a wrong field costs no decoding.
        let mut conn = state.primary().acquire().await?;
        let this_year = today(&mut conn).await?.year();
        if !(1850..=this_year).contains(&year) {
            return Err(ApiError::invalid(
                "year",
                format!("{year} is not between 1850 and {this_year}"),
            ));
        }
        input::commune_at(&mut conn, point).await?;
    }
    let permit = DECODING
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("the decoding semaphore: {e}")))?;
    let encoded = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        reencode(&image)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("re-encoding a photo: {e}")))??;
    let width = i32::try_from(encoded.width)
        .map_err(|_| ApiError::Internal("a re-encoded width".to_owned()))?;
    let height = i32::try_from(encoded.height)
        .map_err(|_| ApiError::Internal("a re-encoded height".to_owned()))?;
    let mut tx = state.primary().begin().await?;
    let (id, token) =
        contributions::insert(&mut tx, Kind::Photo, language, contact.as_deref()).await?;
    sqlx::query(include_str!("sql/insert_photo.sql"))
        .bind(id)
        .bind(point.longitude())
        .bind(point.latitude())
        .bind(year)
        .bind(caption)
        .bind(encoded.jpeg)
        .bind(width)
        .bind(height)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Created::new(id, "pending", token)),
    ))
}

/// An accepted photo.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
struct Photo {
    id: i64,
    /// Where it was taken, WGS 84 degrees.
    longitude: f64,
    latitude: f64,
    /// The year it was taken.
    year: i32,
    caption: String,
    /// The caption's language.
    language: String,
    /// The image, `/api/photos/{id}/image`.
    #[sqlx(skip)]
    url: String,
}

/// The accepted photos, oldest view first.
#[utoipa::path(
    get,
    operation_id = "accepted_photos",
    path = "/api/photos",
    tag = "participation",
    responses(
        (status = 200, description = "The accepted photos", body = Vec<Photo>),
        (status = 503, description = "The database could not answer", body = ErrorBody),
    )
)]
async fn accepted(State(state): State<AppState>) -> Result<Json<Vec<Photo>>, ApiError> {
    let mut photos: Vec<Photo> = sqlx::query_as(include_str!("sql/accepted_photos.sql"))
        .fetch_all(state.primary())
        .await?;
    for photo in &mut photos {
        photo.url = format!("/api/photos/{}/image", photo.id);
    }
    Ok(Json(photos))
}

/// A photo's image, re-encoded without metadata: an accepted one for everyone, any
/// other to a moderator deciding on it.
#[utoipa::path(
    get,
    operation_id = "photo_image",
    path = "/api/photos/{id}/image",
    tag = "participation",
    params(("id" = i64, Path, description = "The photo's id")),
    responses(
        (status = 200, description = "The JPEG", content_type = "image/jpeg", body = Jpeg),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No accepted photo has this id (or, with a moderator session, no photo)", body = ErrorBody),
    )
)]
async fn image(
    State(state): State<AppState>,
    mut parts: Parts,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let found: Option<(Vec<u8>, String)> = sqlx::query_as(include_str!("sql/photo_image.sql"))
        .bind(id)
        .fetch_optional(state.primary())
        .await?;
    let not_found = || ApiError::NotFound(format!("no accepted photo has id {id}"));
    let (jpeg, status) = found.ok_or_else(not_found)?;
    let cache = if status == "accepted" {
        PUBLIC_CACHE
    } else {
        // Only a moderator sees a photo before (or after) its acceptance; to anyone
        // else it does not exist. The session is looked up only here, so public
        // images cost no session query.
        Moderator::from_request_parts(&mut parts, &state)
            .await
            .map_err(|_| not_found())?;
        "private, no-store"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        jpeg,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let pixels = ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&pixels)
            .expect("encodes");
        out
    }

    #[test]
    fn large_images_are_scaled_down_and_small_ones_kept() {
        let big = reencode(&jpeg(3000, 1000)).expect("re-encodes");
        assert_eq!((big.width, big.height), (2048, 683));
        let small = reencode(&jpeg(300, 200)).expect("re-encodes");
        assert_eq!((small.width, small.height), (300, 200));
        assert!(small.jpeg.starts_with(&[0xFF, 0xD8]));
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        for bytes in [
            &b"hello, world"[..],
            &b"GIF89a\x01\x00\x01\x00"[..],
            &jpeg(10, 10)[..40],
        ] {
            match reencode(bytes) {
                Err(ApiError::Invalid { field, .. }) => assert_eq!(field, "image"),
                Err(other) => panic!("expected a refused image, got {other:?}"),
                Ok(_) => panic!("expected a refused image"),
            }
        }
    }
}
