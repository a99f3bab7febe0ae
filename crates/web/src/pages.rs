//! The server-rendered pages (contract section 7), static files and pictures, and the HTML
//! error page for everything outside `/api`.
//!
//! Pages are rendered from the domain's views with templates parsed once at start-up.
//! They need no token: the login state is applied in the browser by `static/js/auth.js`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::{Environment, context};
use quill_domain::{Page, PostWithAuthor, PublicUser};
use serde::Serialize;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::ApiError;
use crate::extract::{PageQuery, PostIdParam, UserIdParam};
use crate::state::AppState;
use crate::views::timestamp;

/// How many posts a page shows by default.
const POSTS_PER_PAGE: i64 = 20;

const TEMPLATES: &[&str] = &[
    "layout.html",
    "home.html",
    "post.html",
    "user_posts.html",
    "login.html",
    "register.html",
    "account.html",
    "error.html",
    "post_card.html",
    "pager.html",
];

/// The page templates could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("loading page template {name}: {reason}")]
pub struct TemplateError {
    name: String,
    reason: String,
}

/// Parsed templates, shared by every request.
#[derive(Clone)]
pub struct Templates(Arc<Environment<'static>>);

impl Templates {
    /// Loads and parses every page template from `dir`.
    ///
    /// # Errors
    /// [`TemplateError`] naming the first template that is missing or malformed.
    pub fn load(dir: &Path) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        for name in TEMPLATES {
            let fail = |reason: String| TemplateError {
                name: (*name).to_owned(),
                reason,
            };
            let source =
                std::fs::read_to_string(dir.join(name)).map_err(|e| fail(e.to_string()))?;
            env.add_template_owned(*name, source)
                .map_err(|e| fail(e.to_string()))?;
        }
        Ok(Self(Arc::new(env)))
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Result<Html<String>, PageError> {
        self.0
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map(Html)
            .map_err(|e| PageError::Render(e.to_string()))
    }

    /// The error page for `status`, with a message fit for anyone to read.
    #[must_use]
    pub fn error_page(&self, status: StatusCode, message: &str) -> Response {
        let ctx = context! {
            page_title => format!("{} Error", status.as_u16()),
            status_code => status.as_u16(),
            message => message,
        };
        match self.render("error.html", ctx) {
            Ok(page) => (status, page).into_response(),
            Err(_) => (status, format!("Oops... {} Error", status.as_u16())).into_response(),
        }
    }
}

/// A page request that failed: rendered as the error page with the matching status.
#[derive(Debug)]
pub enum PageError {
    /// What the API would have answered.
    Api(ApiError),
    /// A template failed at render time.
    Render(String),
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<quill_domain::PostError> for PageError {
    fn from(error: quill_domain::PostError) -> Self {
        Self::Api(error.into())
    }
}

impl From<quill_domain::AuthError> for PageError {
    fn from(error: quill_domain::AuthError) -> Self {
        Self::Api(error.into())
    }
}

/// Carries a page failure to [`render_page_errors`], which owns the templates.
#[derive(Clone)]
struct FailedPage {
    status: StatusCode,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        const OUR_FAULT: &str = "Something went wrong on our side. Please try again.";
        let (status, message, cause) = match self {
            Self::Api(ApiError::NotFound(m)) => (StatusCode::NOT_FOUND, format!("{m}."), None),
            Self::Api(ApiError::Validation(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "That address does not point at anything: check the link.".to_owned(),
                None,
            ),
            Self::Api(ApiError::Internal(e)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                OUR_FAULT.to_owned(),
                Some(quill_axum::FailureCause::of(&e)),
            ),
            Self::Api(other) => (other.status(), OUR_FAULT.to_owned(), None),
            Self::Render(reason) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                OUR_FAULT.to_owned(),
                Some(quill_axum::FailureCause(reason.into())),
            ),
        };
        let mut response = status.into_response();
        if let Some(cause) = cause {
            response.extensions_mut().insert(cause);
        }
        response
            .extensions_mut()
            .insert(FailedPage { status, message });
        response
    }
}

/// Renders the error page for failed page requests (which cannot reach the templates
/// themselves).
async fn render_page_errors(
    State(templates): State<Templates>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    match response.extensions().get::<FailedPage>().cloned() {
        Some(failed) => {
            // Keep the extensions (the cause of a 500, for the logging middleware).
            let (parts, _) = response.into_parts();
            let mut page = templates.error_page(failed.status, &failed.message);
            page.extensions_mut().extend(parts.extensions);
            page
        }
        None => response,
    }
}

fn serialized<T: Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

#[derive(Serialize)]
struct AuthorView {
    id: i64,
    username: String,
    image_path: String,
}

impl From<PublicUser> for AuthorView {
    fn from(user: PublicUser) -> Self {
        let image_path = user.image_path();
        Self {
            id: user.id.0,
            username: user.username,
            image_path,
        }
    }
}

#[derive(Serialize)]
struct PostView {
    id: i64,
    title: String,
    content: String,
    user_id: i64,
    date_posted: String,
    date_display: String,
    author: AuthorView,
}

impl From<PostWithAuthor> for PostView {
    fn from(found: PostWithAuthor) -> Self {
        let PostWithAuthor { post, author } = found;
        Self {
            id: post.id.0,
            title: post.title,
            content: post.content,
            user_id: post.user_id.0,
            date_posted: timestamp(post.date_posted),
            date_display: post.date_posted.format("%B %-d, %Y").to_string(),
            author: author.into(),
        }
    }
}

#[derive(Serialize)]
struct Pager {
    newer_url: Option<String>,
    older_url: Option<String>,
}

impl Pager {
    fn new(base: &str, page: Page, shown: usize) -> Self {
        let (skip, limit) = (page.skip(), page.limit());
        let newer_url = (skip > 0).then(|| {
            let newer = skip.saturating_sub(limit);
            format!("{base}?skip={newer}&limit={limit}")
        });
        let older_url =
            (shown as u64 >= limit).then(|| format!("{base}?skip={}&limit={limit}", skip + limit));
        Self {
            newer_url,
            older_url,
        }
    }
}

/// Paging for pages: like the API's, but 20 to a page unless asked otherwise.
fn page_of(query: Option<&str>) -> Result<Page, ApiError> {
    let has_limit = query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("limit=")));
    let page = PageQuery::parse(query)?;
    if has_limit {
        Ok(page)
    } else {
        Page::new(page.skip() as i64, POSTS_PER_PAGE).map_err(|e| {
            ApiError::Validation(vec![crate::error::ErrorItem::from_field("query", &e)])
        })
    }
}

async fn home(
    State(state): State<PagesState>,
    uri: axum::http::Uri,
) -> Result<Html<String>, PageError> {
    let page = page_of(uri.query())?;
    let posts: Vec<PostView> = state
        .app
        .posts
        .list(page)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let pager = Pager::new(uri.path(), page, posts.len());
    state.templates.render(
        "home.html",
        context! { page_title => "Home", posts => serialized(&posts), pager => serialized(&pager) },
    )
}

async fn post_page(
    State(state): State<PagesState>,
    id: Result<PostIdParam, ApiError>,
) -> Result<Html<String>, PageError> {
    // The extractor's own rejection is JSON; a page shows it as the error page instead.
    let PostIdParam(id) = id?;
    let post = PostView::from(state.app.posts.get(id).await?);
    let title = post.title.clone();
    state.templates.render(
        "post.html",
        context! { page_title => title, post => serialized(&post) },
    )
}

async fn user_posts_page(
    State(state): State<PagesState>,
    id: Result<UserIdParam, ApiError>,
    uri: axum::http::Uri,
) -> Result<Html<String>, PageError> {
    let UserIdParam(id) = id?;
    let page = page_of(uri.query())?;
    let user = AuthorView::from(state.app.auth.public_profile(id).await?);
    let posts: Vec<PostView> = state
        .app
        .posts
        .list_by_author(id, page)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let pager = Pager::new(uri.path(), page, posts.len());
    let title = format!("Posts by {}", user.username);
    state.templates.render(
        "user_posts.html",
        context! { page_title => title, user => serialized(&user), posts => serialized(&posts), pager => serialized(&pager) },
    )
}

fn form_page(name: &'static str, title: &'static str) -> axum::routing::MethodRouter<PagesState> {
    get(move |State(state): State<PagesState>| async move {
        state
            .templates
            .render(name, context! { page_title => title })
    })
}

/// What page handlers reach: the services and the templates.
#[derive(Clone)]
pub(crate) struct PagesState {
    app: AppState,
    templates: Templates,
}

/// Where the front end's files are.
#[derive(Debug, Clone)]
pub struct AssetPaths {
    /// `templates/` and `static/` live here.
    pub assets_dir: PathBuf,
    /// Uploaded profile pictures (served under `/media/profile_pics`).
    pub media_dir: PathBuf,
}

/// A content security policy allowing only this origin's scripts, styles and images (so no
/// inline script can run), no framing, no plugins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'";

/// The pages, `/static` and `/media`, with security and cache headers.
pub(crate) fn router(app: AppState, templates: Templates, paths: &AssetPaths) -> Router<AppState> {
    let state = PagesState {
        app,
        templates: templates.clone(),
    };
    let not_found = {
        let templates = templates.clone();
        move || {
            let templates = templates.clone();
            async move {
                templates.error_page(
                    StatusCode::NOT_FOUND,
                    "The page you are looking for does not exist.",
                )
            }
        }
    };
    let static_files = ServeDir::new(paths.assets_dir.join("static")).fallback(
        axum::handler::HandlerWithoutStateExt::into_service(not_found.clone()),
    );
    let media = ServeDir::new(&paths.media_dir).fallback(
        axum::handler::HandlerWithoutStateExt::into_service(not_found),
    );
    // Front-end files keep their names across releases, so browsers revalidate them every
    // time (a 304 from their Last-Modified costs a round trip, not a download): a fix reaches
    // every browser at once.
    let static_files = Router::new().nest_service("/static", static_files).layer(
        SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ),
    );
    let files = Router::new()
        .nest_service("/media", media)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ))
        .merge(static_files);
    let pages = Router::new()
        .route("/", get(home))
        .route("/posts", get(home))
        .route("/posts/{post_id}", get(post_page))
        .route("/users/{user_id}/posts", get(user_posts_page))
        .route("/login", form_page("login.html", "Login"))
        .route("/register", form_page("register.html", "Register"))
        .route("/account", form_page("account.html", "Account"))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            templates,
            render_page_errors,
        ))
        .with_state(state);
    pages.merge(files)
}

/// Security headers for every response outside `/api` (the API's JSON gets `nosniff` too).
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}
