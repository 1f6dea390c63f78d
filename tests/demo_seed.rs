//! `tollgate seed-demo` writes every status and keeps every invariant; normal sign-ups carry
//! on after it (on PostgreSQL its explicit ids must not collide with the identity sequences).

mod common;

use common::TestApp;
use reqwest::StatusCode;
use tollgate::ops::{demo, verify::verify};

on_both_backends!(seeded_data_is_sound_and_sign_ups_continue);

async fn seeded_data_is_sound_and_sign_ups_continue(app: TestApp) {
    app.register_free("before@test.com").await;
    demo::seed(&app.db, 1_200, |_| {}).await.unwrap();
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);

    let staff = app.staff_token("admin@example.com").await;
    for (status, share) in [
        ("pending_approval", 120),
        ("succeeded", 480),
        ("failed", 120),
    ] {
        let r = app
            .get(
                &format!("/billing/admin/payments/?status={status}"),
                Some(&staff),
            )
            .await;
        assert_eq!(r.data()["count"], share, "{status}");
    }
    let after = app.register_paid("after@test.com").await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.body);
    assert_eq!(after.data()["account"]["id"], 1_202);
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}
