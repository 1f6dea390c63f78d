//! Stylesheets and scripts compiled into the binary, so pages work offline and the CSP can
//! stay `'self'`.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A file served at `<site>/static/<name>`.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

impl Asset {
    const fn css(name: &'static str, body: &'static str) -> Asset {
        Asset {
            name,
            content_type: "text/css; charset=utf-8",
            body,
        }
    }

    const fn js(name: &'static str, body: &'static str) -> Asset {
        Asset {
            name,
            content_type: "text/javascript; charset=utf-8",
            body,
        }
    }
}

pub const ADMIN: &[Asset] = &[
    Asset::css("admin.css", include_str!("../../static/admin/admin.css")),
    Asset::js("admin.js", include_str!("../../static/admin/admin.js")),
];

pub const PORTAL: &[Asset] = &[
    Asset::css("portal.css", include_str!("../../static/portal/portal.css")),
    Asset::js("portal.js", include_str!("../../static/portal/portal.js")),
    Asset::js("card.js", include_str!("../../static/portal/card.js")),
];

/// A handler serving one site's assets by name.
pub fn serve(
    assets: &'static [Asset],
) -> impl Fn(Path<String>) -> std::future::Ready<Response> + Clone {
    move |Path(file): Path<String>| {
        let found = assets.iter().find(|a| a.name == file);
        std::future::ready(match found {
            Some(a) => ([(header::CONTENT_TYPE, a.content_type)], a.body).into_response(),
            None => (StatusCode::NOT_FOUND, "Not found").into_response(),
        })
    }
}
