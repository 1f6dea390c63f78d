//! The soak's load: a mix of reads and writes by signed-in clients that renew their tokens as
//! real clients do, with every failed request tallied by what it was and how it failed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures::FutureExt;
use serde_json::{Value, json};

use crate::harness::{Job, Outcome};
use crate::servers::Tollgate;

/// Access tokens live 15 minutes (`config.rs`); clients renew theirs well before.
pub const RENEW_EVERY: Duration = Duration::from_secs(10 * 60);

/// One signed-in client's token pair.
#[derive(Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
}

impl Session {
    /// From the `data` of a sign-up, sign-in or refresh reply.
    pub fn from_reply(data: &Value) -> Session {
        let field = |k: &str| data[k].as_str().expect("token in reply").to_owned();
        Session {
            access: field("token"),
            refresh: field("refresh"),
        }
    }
}

/// The customers' sessions (worker `w` uses `w % customers`) and the staff member's.
pub struct Sessions {
    pub customers: RwLock<Vec<Session>>,
    pub staff: RwLock<Session>,
}

/// Failed requests by "what status" (e.g. `spend 401`, `read transport error`).
#[derive(Default)]
pub struct Failures(Mutex<BTreeMap<String, u64>>);

impl Failures {
    pub fn add(&self, what: String) {
        *self.0.lock().expect("failures").entry(what).or_default() += 1;
    }
    pub fn summary(&self) -> String {
        let all = self.0.lock().expect("failures");
        if all.is_empty() {
            return "none".to_owned();
        }
        let parts: Vec<String> = all.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        parts.join(", ")
    }
}

/// One request of the mix, by the request's number: 6 in 10 reads of the payment methods, 2
/// credit spends on the worker's account, 1 customer's balance, 1 staff pending list.
pub fn mixed(base: String, sessions: Arc<Sessions>, failures: Arc<Failures>) -> Job {
    let n = Arc::new(AtomicU64::new(0));
    Arc::new(move |c: reqwest::Client, w: usize| {
        let i = n.fetch_add(1, Ordering::Relaxed) % 10;
        let token = {
            let customers = sessions.customers.read().expect("sessions");
            customers[w % customers.len()].access.clone()
        };
        let (what, req) = match i {
            0..=5 => (
                "read",
                c.get(format!("{base}/billing/admin/payment-methods/?country=PK")),
            ),
            6 | 7 => (
                "spend",
                c.post(format!("{base}/billing/credits/usage/"))
                    .json(&json!({"operation_type": "clustering"}))
                    .bearer_auth(token),
            ),
            8 => (
                "balance",
                c.get(format!("{base}/billing/credits/balance/"))
                    .bearer_auth(token),
            ),
            _ => {
                let staff = sessions.staff.read().expect("sessions").access.clone();
                (
                    "staff list",
                    c.get(format!(
                        "{base}/billing/admin/payments/?status=pending_approval"
                    ))
                    .bearer_auth(staff),
                )
            }
        };
        let failures = failures.clone();
        async move {
            let failed = match req.send().await {
                Ok(resp) if resp.status().is_success() => match resp.bytes().await {
                    Ok(_) => None,
                    Err(_) => Some("body error".to_owned()),
                },
                Ok(resp) => Some(resp.status().as_u16().to_string()),
                Err(e) if e.is_timeout() => Some("timeout".to_owned()),
                Err(_) => Some("transport error".to_owned()),
            };
            match failed {
                None => Outcome::Ok,
                Some(how) => {
                    failures.add(format!("{what} {how}"));
                    Outcome::Err
                }
            }
        }
        .boxed()
    })
}

/// Renews every session through `auth/refresh` each `RENEW_EVERY`, as a client does before
/// its access token expires. A failed renewal is tallied and the old pair kept.
pub fn renew_sessions(
    t: Arc<Tollgate>,
    sessions: Arc<Sessions>,
    failures: Arc<Failures>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let renew = |s: Session| {
            let (t, failures) = (t.clone(), failures.clone());
            async move {
                let resp = t
                    .http
                    .post(t.url("/auth/refresh/"))
                    .json(&json!({"refresh": s.refresh}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                        Ok(body) => Session::from_reply(&body["data"]),
                        Err(_) => {
                            failures.add("refresh body error".to_owned());
                            s
                        }
                    },
                    Ok(r) => {
                        failures.add(format!("refresh {}", r.status().as_u16()));
                        s
                    }
                    Err(_) => {
                        failures.add("refresh transport error".to_owned());
                        s
                    }
                }
            }
        };
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            let old = sessions.customers.read().expect("sessions").clone();
            let mut renewed = Vec::with_capacity(old.len());
            for s in old {
                renewed.push(renew(s).await);
            }
            *sessions.customers.write().expect("sessions") = renewed;
            let staff = sessions.staff.read().expect("sessions").clone();
            let staff = renew(staff).await;
            *sessions.staff.write().expect("sessions") = staff;
        }
    })
}
