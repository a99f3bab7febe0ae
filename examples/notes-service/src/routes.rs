//! The handlers. Registration and login call quill's [`Auth`] capabilities; the notes routes take
//! quill's [`AuthUser`] extractor, which refuses a request without a valid bearer token
//! before the handler runs, so a handler that has an `AuthUser` has an authenticated caller.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use quill_axum::{AuthUser, ClientAddr};
use quill_domain::{Auth, Email, Password, Registration, Username, ValidationErrors};
use serde::{Deserialize, Serialize};

use crate::NotesState;
use crate::error::NotesError;
use crate::notes::Note;

/// The most characters a note may have.
const NOTE_MAX_CHARS: usize = 1_000;

/// `POST /register`.
#[derive(Deserialize)]
pub(crate) struct RegisterRequest {
    username: String,
    email: String,
    password: String,
}

/// An account, as its owner sees it.
#[derive(Serialize)]
pub(crate) struct AccountResponse {
    id: i64,
    username: String,
    email: String,
}

/// `POST /login`.
#[derive(Deserialize)]
pub(crate) struct LoginRequest {
    email: String,
    password: String,
}

/// A bearer token for the `Authorization` header.
#[derive(Serialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    token_type: &'static str,
}

/// `POST /notes`.
#[derive(Deserialize)]
pub(crate) struct NoteRequest {
    text: String,
}

/// Creates an account: 201, or 409 when the username or email is taken, or 422 listing
/// every field that breaks quill's rules.
pub(crate) async fn register(
    State(auth): State<Auth>,
    ClientAddr(client): ClientAddr,
    body: Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<AccountResponse>), NotesError> {
    let Json(body) = body?;
    // quill's own input types carry its rules (lengths, email syntax, lower-casing).
    let mut errors = ValidationErrors::new();
    let username = errors.collect(Username::parse(body.username));
    let email = errors.collect(Email::parse(&body.email));
    let password = errors.collect(Password::parse(body.password));
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(errors.into());
    };
    let account = auth
        .accounts
        .register(
            client,
            Registration {
                username,
                email,
                password,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AccountResponse {
            id: account.public.id.0,
            username: account.public.username,
            email: account.email,
        }),
    ))
}

/// Exchanges an email and password for a token: 200, or 401 for either an unknown email or
/// a wrong password (quill makes the two indistinguishable); 429 past quill's rate limits,
/// 503 when hashing is saturated.
pub(crate) async fn login(
    State(auth): State<Auth>,
    ClientAddr(client): ClientAddr,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<TokenResponse>, NotesError> {
    let Json(body) = body?;
    let token = auth
        .login
        .with_password(client, &body.email, &Password::attempt(body.password))
        .await?;
    Ok(Json(TokenResponse {
        access_token: token.into_inner(),
        token_type: "bearer",
    }))
}

/// The caller's notes, oldest first.
pub(crate) async fn list_notes(
    State(state): State<NotesState>,
    AuthUser(caller): AuthUser,
) -> Json<Vec<Note>> {
    Json(state.notes.of(caller.id()))
}

/// Adds a note of the caller's: 201 with the note, or 422 when it is empty or too long.
pub(crate) async fn add_note(
    State(state): State<NotesState>,
    AuthUser(caller): AuthUser,
    body: Result<Json<NoteRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Note>), NotesError> {
    let Json(body) = body?;
    let length = body.text.trim().chars().count();
    if length == 0 || length > NOTE_MAX_CHARS {
        return Err(NotesError::Invalid(format!(
            "text: a note has 1 to {NOTE_MAX_CHARS} characters"
        )));
    }
    let note = state.notes.add(caller.id(), body.text);
    Ok((StatusCode::CREATED, Json(note)))
}
