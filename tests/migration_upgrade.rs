//! Upgrading a database that already has data: the migrations after a release run over its
//! rows, not over an empty schema. Today: staff's live panel sessions survive the move from
//! `staff_sessions` to `web_sessions` (m0009), still open the panel, and open only the panel.

mod common;

use sea_orm::ConnectionTrait;
use sea_orm_migration::MigratorTrait;
use tollgate::auth::{tokens::sha256_hex, web_sessions};
use tollgate::db::{Db, migrations::Migrator};
use tollgate::entities::web_session::SessionKind;

/// The migrations released before m0009.
const BEFORE_WEB_SESSIONS: u32 = 8;

async fn live_panel_sessions_survive_the_move_to_web_sessions(url: String) {
    let db = Db::connect(&url).await.expect("connect");
    Migrator::up(db.conn(), Some(BEFORE_WEB_SESSIONS))
        .await
        .expect("the released migrations");
    let conn = db.conn();
    conn.execute_unprepared(
        "INSERT INTO users (email, password_hash, first_name, last_name, role, is_staff, \
         is_superuser, is_active, created_at) \
         VALUES ('admin@example.com', 'x', '', '', 'owner', TRUE, TRUE, TRUE, '2026-01-01T00:00:00Z')",
    )
    .await
    .expect("a staff user");
    let session = |token: &str, expires: &str| {
        format!(
            "INSERT INTO staff_sessions (token_hash, user_id, csrf_token, flash, created_at, \
             expires_at) SELECT '{}', id, 'csrf', 'success:Saved.', '2026-01-01T00:00:00Z', \
             '{expires}' FROM users",
            sha256_hex(token)
        )
    };
    for sql in [
        session("live", "2999-01-01T00:00:00Z"),
        session("expired", "2000-01-01T00:00:00Z"),
    ] {
        conn.execute_unprepared(&sql)
            .await
            .expect("a panel session");
    }

    tollgate::app::migrate(&db).await.expect("upgrade");

    let (live, user) = web_sessions::find(&db, "live", SessionKind::Staff)
        .await
        .expect("find")
        .expect("the live session still opens the panel");
    assert_eq!(user.email, "admin@example.com");
    assert_eq!(live.kind, SessionKind::Staff);
    assert_eq!(live.csrf_token, "csrf", "its forms keep working");
    assert_eq!(live.flash, None, "a flash written the old way is dropped");
    let as_customer = web_sessions::find(&db, "live", SessionKind::Customer).await;
    assert!(
        as_customer.expect("find").is_none(),
        "it opens only the panel"
    );
    let expired = web_sessions::find(&db, "expired", SessionKind::Staff).await;
    assert!(expired.expect("find").is_none());
}

#[tokio::test]
async fn sqlite_live_panel_sessions_survive_the_move_to_web_sessions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    live_panel_sessions_survive_the_move_to_web_sessions(url).await;
}

#[tokio::test]
async fn postgres_live_panel_sessions_survive_the_move_to_web_sessions() {
    let Some(server) = common::postgres_server_url() else {
        return;
    };
    let database = common::PgDatabase::create(&server).await;
    live_panel_sessions_survive_the_move_to_web_sessions(database.url()).await;
}
