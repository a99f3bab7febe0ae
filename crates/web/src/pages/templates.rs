//! The page templates: compiled into the binary, or read from a customised copy of
//! `web-assets`; parsed once at start-up and shared by every request.

use std::path::Path;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, context};

use super::errors::PageError;

/// Every template a page renders, with the copy compiled in.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../../../web-assets/templates/layout.html"),
    ),
    (
        "home.html",
        include_str!("../../../../web-assets/templates/home.html"),
    ),
    (
        "post.html",
        include_str!("../../../../web-assets/templates/post.html"),
    ),
    (
        "user_posts.html",
        include_str!("../../../../web-assets/templates/user_posts.html"),
    ),
    (
        "login.html",
        include_str!("../../../../web-assets/templates/login.html"),
    ),
    (
        "register.html",
        include_str!("../../../../web-assets/templates/register.html"),
    ),
    (
        "forgot_password.html",
        include_str!("../../../../web-assets/templates/forgot_password.html"),
    ),
    (
        "reset_password.html",
        include_str!("../../../../web-assets/templates/reset_password.html"),
    ),
    (
        "verify_email.html",
        include_str!("../../../../web-assets/templates/verify_email.html"),
    ),
    (
        "account.html",
        include_str!("../../../../web-assets/templates/account.html"),
    ),
    (
        "error.html",
        include_str!("../../../../web-assets/templates/error.html"),
    ),
    (
        "post_card.html",
        include_str!("../../../../web-assets/templates/post_card.html"),
    ),
    (
        "pager.html",
        include_str!("../../../../web-assets/templates/pager.html"),
    ),
];

/// The page templates could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("loading page template {name}: {reason}")]
pub struct TemplateError {
    name: String,
    reason: String,
}

/// Parsed templates, shared by every request.
#[derive(Debug, Clone)]
pub(crate) struct Templates(Arc<Environment<'static>>);

impl Templates {
    /// Parses every page template: from `dir` when given (a customised look), else the
    /// copies compiled in.
    ///
    /// # Errors
    /// [`TemplateError`] naming the first template that is missing or malformed.
    pub(crate) fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        for (name, compiled_in) in TEMPLATES {
            let fail = |reason: String| TemplateError {
                name: (*name).to_owned(),
                reason,
            };
            let source = match dir {
                Some(dir) => {
                    std::fs::read_to_string(dir.join(name)).map_err(|e| fail(e.to_string()))?
                }
                None => (*compiled_in).to_owned(),
            };
            env.add_template_owned(*name, source)
                .map_err(|e| fail(e.to_string()))?;
        }
        Ok(Self(Arc::new(env)))
    }

    /// These templates, telling every page whether email verification is in use (the
    /// layout's `data-email-verification`: `off` keeps the unverified-email banner hidden).
    #[must_use]
    pub(crate) fn with_email_verification(mut self, mode: quill_domain::EmailVerification) -> Self {
        let word = match mode {
            quill_domain::EmailVerification::Off => "off",
            quill_domain::EmailVerification::Optional => "optional",
            quill_domain::EmailVerification::Required => "required",
        };
        Arc::make_mut(&mut self.0).add_global("email_verification", word);
        self
    }

    pub(crate) fn render(
        &self,
        name: &str,
        ctx: minijinja::Value,
    ) -> Result<Html<String>, PageError> {
        self.0
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map(Html)
            .map_err(|e| PageError::Render(e.to_string()))
    }

    /// The error page for `status`, with a message fit for anyone to read.
    #[must_use]
    pub(crate) fn error_page(&self, status: StatusCode, message: &str) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_templates_are_the_ones_in_web_assets() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web-assets/templates");
        let on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".html"))
            .collect();
        for name in &on_disk {
            assert!(
                TEMPLATES.iter().any(|(known, _)| known == name),
                "{name} is in web-assets/templates but not compiled in"
            );
        }
        assert_eq!(on_disk.len(), TEMPLATES.len());
        Templates::load(None).unwrap();
        Templates::load(Some(&dir)).unwrap();
    }

    #[test]
    fn a_customised_folder_missing_a_template_is_refused_by_name() {
        let empty = std::env::temp_dir().join("quill-no-templates-here");
        let refused = Templates::load(Some(&empty)).unwrap_err();
        assert!(refused.to_string().contains("layout.html"), "{refused}");
    }
}
