//! What the card-payment tests share: an app whose Stripe is a fake, a customer signed up to
//! pay by card, signed deliveries, and the account's standing and kept events (which the
//! PayPal tests use too, hence the allowance for what they leave unused).

#![allow(dead_code)]

use std::ops::Deref;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate::entities::provider_event;

use crate::common::fake_stripe::{self, FakeStripe};
use crate::common::{Backend, PASSWORD, Res, TestApp, spawn_app, spawn_app_with};

/// Runs each named `async fn(CardApp)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::support::CardApp::spawn($crate::common::Backend::Sqlite).await;
                    super::$name(app.expect("SQLite is always available")).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::support::CardApp::spawn($crate::common::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub struct CardApp {
    pub app: TestApp,
    pub stripe: FakeStripe,
}

impl Deref for CardApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Signs up for Starter paying by card, from the US.
pub async fn register_card(app: &TestApp, email: &str) -> Res {
    register_paying(app, email, "stripe", "US").await
}

/// Signs up for Starter paying by `method` from `country`.
pub async fn register_paying(app: &TestApp, email: &str, method: &str, country: &str) -> Res {
    app.post(
        "/auth/register/",
        None,
        json!({
            "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
            "first_name": "Online", "last_name": "Payer", "plan_slug": "starter",
            "billing_email": email, "billing_country": country, "billing_city": "Capital",
            "billing_address_line1": "1 Main Street", "payment_method": method
        }),
    )
    .await
}

impl CardApp {
    pub async fn spawn(backend: Backend) -> Option<CardApp> {
        let stripe = FakeStripe::start().await;
        let app = spawn_app_with(backend, |s| fake_stripe::configure(s, &stripe.base)).await?;
        Some(CardApp { app, stripe })
    }

    /// Another app on the same kind of database, with no Stripe keys.
    pub async fn without_stripe(&self) -> TestApp {
        spawn_app(self.app.backend)
            .await
            .expect("same backend as the test's app")
    }

    /// A card customer: (access token, invoice id).
    pub async fn card_customer(&self, email: &str) -> (String, i64) {
        let r = register_card(&self.app, email).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.data()["account"]["status"], "pending_payment");
        let token = r.data()["token"].as_str().unwrap().to_owned();
        (token, r.data()["invoice"]["id"].as_i64().unwrap())
    }

    /// Starts paying the invoice by card; the payment's id.
    pub async fn start_card(&self, token: &str, invoice: i64) -> i64 {
        let r = self
            .post(
                &format!("/billing/invoices/{invoice}/pay/card/"),
                Some(token),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.data()["payment_id"].as_i64().unwrap()
    }

    pub async fn deliver(&self, body: &str, signature: &str) -> Res {
        self.deliver_raw(body, Some(signature)).await
    }

    /// Posts a body to the Stripe webhook exactly as given.
    pub async fn deliver_raw(&self, body: &str, signature: Option<&str>) -> Res {
        let mut req = self
            .client
            .post(self.url("/billing/webhooks/stripe/"))
            .header("Content-Type", "application/json; charset=utf-8")
            .body(body.to_owned());
        if let Some(sig) = signature {
            req = req.header("Stripe-Signature", sig);
        }
        let resp = req.send().await.expect("delivered");
        let status = resp.status();
        let body: Value = resp.json().await.expect("JSON answer");
        Res { status, body }
    }

    /// The account's status and credits.
    pub async fn standing(&self, token: &str) -> (String, i64) {
        standing(&self.app, token).await
    }

    pub async fn assert_verified_clean(&self) {
        assert_eq!(
            tollgate::ops::verify::verify(&self.db).await.unwrap(),
            vec![]
        );
    }
}

pub async fn standing(app: &TestApp, token: &str) -> (String, i64) {
    let me = app.get("/auth/me/", Some(token)).await;
    let balance = app.get("/billing/credits/balance/", Some(token)).await;
    (
        me.data()["user"]["account"]["status"]
            .as_str()
            .unwrap()
            .to_owned(),
        balance.data()["credits"].as_i64().unwrap(),
    )
}

/// Every inbound provider event kept, oldest first.
pub async fn events(app: &TestApp) -> Vec<provider_event::Model> {
    use sea_orm::{EntityTrait, QueryOrder};
    provider_event::Entity::find()
        .order_by_asc(provider_event::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
}
