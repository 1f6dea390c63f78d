//! Downloading documents (PDFs) in tests: answers that are files rather than JSON, what every
//! PDF answer must carry, and a staff member to refund with.

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tollgate::domain::staff::StaffActor;
use tollgate::entities::user;

use super::TestApp;

/// A response that is a file: its status, headers and bytes.
pub struct FileRes {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl FileRes {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub async fn read(resp: reqwest::Response) -> FileRes {
        FileRes {
            status: resp.status(),
            headers: resp.headers().clone(),
            bytes: resp.bytes().await.expect("body read").to_vec(),
        }
    }
}

impl TestApp {
    /// A GET of the API whose answer may be a file rather than JSON (a PDF).
    pub async fn get_file(&self, path: &str, token: Option<&str>) -> FileRes {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        FileRes::read(req.send().await.expect("request sent")).await
    }

    /// A staff member, `admin@example.com`: their token, and the proof the domain's staff
    /// calls take (a refund).
    pub async fn staff_actor(&self) -> (String, StaffActor) {
        let token = self.staff_token("admin@example.com").await;
        let user = user::Entity::find()
            .filter(user::Column::Email.eq("admin@example.com"))
            .one(self.db.conn())
            .await
            .unwrap()
            .unwrap();
        (token, StaffActor::verify(user).unwrap())
    }
}

/// A PDF answer: 200, `application/pdf`, shown inline under `filename`, never cached.
pub fn assert_pdf(res: &FileRes, filename: &str) {
    let body = String::from_utf8_lossy(&res.bytes);
    assert_eq!(res.status, StatusCode::OK, "{body}");
    assert_eq!(res.header("content-type"), "application/pdf");
    let disposition = res.header("content-disposition");
    assert!(
        disposition.starts_with(&format!("inline; filename=\"{filename}\"")),
        "{disposition}"
    );
    assert_eq!(res.header("cache-control"), "private, no-store");
    assert!(res.bytes.starts_with(b"%PDF-"));
}
