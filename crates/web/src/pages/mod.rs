//! The server-rendered pages (contract section 7), static files and pictures, and the HTML
//! error page for everything outside `/api`.
//!
//! Pages are rendered from the domain's views with templates parsed once at start-up.
//! They need no token: the login state is applied in the browser by `static/js/auth.js`.

mod errors;
mod templates;
mod views;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Html;
use axum::routing::get;
use minijinja::context;
use quill_domain::Page;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use self::errors::{PageError, render_page_errors};
pub use self::templates::TemplateError;
pub(crate) use self::templates::Templates;
use self::views::{Pager, PostView, serialized};
use crate::error::ApiError;
use crate::extract::{PageQuery, PostIdParam, UserIdParam};
use crate::state::AppState;
use crate::views::UserPublicBody;

/// How many posts a page shows by default.
const POSTS_PER_PAGE: i64 = 20;

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
    let user = UserPublicBody::from(state.app.auth.accounts.public_profile(id).await?);
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
#[derive(Debug, Clone)]
pub(crate) struct PagesState {
    app: AppState,
    templates: Templates,
}

/// Where the front end's files are.
#[derive(Debug, Clone)]
pub struct AssetPaths {
    /// A customised copy of `web-assets` (its `templates/` and `static/`); `None` for the
    /// templates compiled in and the static files of the source tree.
    pub assets_dir: Option<PathBuf>,
    /// Uploaded profile pictures (served under `/media/profile_pics`).
    pub media_dir: PathBuf,
}

impl AssetPaths {
    /// The folder of the page templates, when they are not the compiled-in ones.
    pub(crate) fn templates_dir(&self) -> Option<PathBuf> {
        self.assets_dir.as_ref().map(|dir| dir.join("templates"))
    }

    fn static_dir(&self) -> PathBuf {
        match &self.assets_dir {
            Some(dir) => dir.join("static"),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web-assets/static"),
        }
    }
}

impl Default for AssetPaths {
    /// The compiled-in templates, and `media` in the working directory.
    fn default() -> Self {
        Self {
            assets_dir: None,
            media_dir: PathBuf::from("media"),
        }
    }
}

/// What serving pictures needs: the store (through the auth service), and the folder of
/// pictures placed there before uploads existed, whose names are not quill's.
#[derive(Clone)]
struct PictureFiles {
    pictures: quill_domain::PictureService,
    templates: Templates,
    older: ServeDir,
}

/// A stored picture, for a year and never revalidated (its name never repeats); a name of
/// another form is looked for among the older files.
async fn serve_picture(
    State(files): State<PictureFiles>,
    axum::extract::Path(name): axum::extract::Path<String>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    use tower::ServiceExt as _;
    if quill_domain::PictureName::parse(&name).is_none() {
        let (mut parts, body) = request.into_parts();
        let rest = parts
            .uri
            .path()
            .strip_prefix("/media/profile_pics")
            .unwrap_or("/")
            .to_owned();
        parts.uri = rest.parse().unwrap_or_default();
        let request = axum::extract::Request::from_parts(parts, body);
        return match files.older.oneshot(request).await {
            Ok(response) if response.status() != StatusCode::NOT_FOUND => response.into_response(),
            _ => files.templates.error_page(
                StatusCode::NOT_FOUND,
                "The page you are looking for does not exist.",
            ),
        };
    }
    match files.pictures.picture(&name).await {
        Ok(Some(jpeg)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            jpeg,
        )
            .into_response(),
        Ok(None) => files.templates.error_page(
            StatusCode::NOT_FOUND,
            "The page you are looking for does not exist.",
        ),
        Err(e) => PageError::from(ApiError::from(e)).into_response(),
    }
}

/// Every page: its path and how it is made.
fn page_routes() -> [(&'static str, axum::routing::MethodRouter<PagesState>); 10] {
    [
        ("/", get(home)),
        ("/posts", get(home)),
        ("/posts/{post_id}", get(post_page)),
        ("/users/{user_id}/posts", get(user_posts_page)),
        ("/login", form_page("login.html", "Login")),
        (
            "/forgot-password",
            form_page("forgot_password.html", "Forgot password"),
        ),
        (
            "/reset-password",
            form_page("reset_password.html", "Reset password"),
        ),
        ("/register", form_page("register.html", "Register")),
        (
            "/verify-email",
            form_page("verify_email.html", "Verify email"),
        ),
        ("/account", form_page("account.html", "Account")),
    ]
}

/// The pages' paths, in the router's syntax (`/posts/{post_id}`).
pub(crate) fn page_paths() -> impl Iterator<Item = &'static str> {
    page_routes().into_iter().map(|(path, _)| path)
}

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
    let static_files = ServeDir::new(paths.static_dir()).fallback(
        axum::handler::HandlerWithoutStateExt::into_service(not_found.clone()),
    );
    let media = ServeDir::new(&paths.media_dir).fallback(
        axum::handler::HandlerWithoutStateExt::into_service(not_found),
    );
    let pictures = Router::new()
        .route("/media/profile_pics/{name}", get(serve_picture))
        .with_state(PictureFiles {
            pictures: state.app.auth.pictures.clone(),
            templates: templates.clone(),
            older: ServeDir::new(paths.media_dir.join("profile_pics")),
        });
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
        .merge(pictures)
        .nest_service("/media", media)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ))
        .merge(static_files);
    let pages = page_routes()
        .into_iter()
        .fold(Router::new(), |pages, (path, page)| pages.route(path, page))
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
