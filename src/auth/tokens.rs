//! Access tokens (short-lived HS256 JWTs) and refresh tokens (random, stored only as a SHA-256
//! hash, so a database leak does not leak sessions and logout can revoke them).

use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::db::Db;
use crate::entities::setting;

const SECRET_SETTING: &str = "jwt_secret";

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Keys the derivation of a refresh token's successor (see `successor_refresh`).
    successor_key: Vec<u8>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// Always "access": a refresh token is not a JWT and can never pass for one.
    pub typ: String,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            successor_key: Sha256::digest([b"tollgate refresh successor:", secret].concat())
                .to_vec(),
            access_ttl,
            refresh_ttl,
        }
    }

    pub fn issue_access(&self, user_id: i64) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
            typ: "access".into(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The refresh token that rotating `token` hands out: HMAC-SHA256 of it under a key derived
    /// from the signing secret. Deterministic, so a second refresh with the same token inside
    /// the grace window (two browser tabs at once) gets the same successor without it ever
    /// being stored; unguessable without `token` and the secret.
    pub fn successor_refresh(&self, token: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.successor_key)
            .expect("HMAC takes a key of any length");
        mac.update(token.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The user id of a valid, unexpired access token.
    pub fn verify_access(&self, token: &str) -> Option<i64> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        (data.claims.typ == "access")
            .then(|| data.claims.sub.parse().ok())
            .flatten()
    }
}

/// 32 random bytes, hex: refresh tokens, session cookies, CSRF tokens, generated keys.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The signing secret: `TOLLGATE_SECRET_KEY` when set, else one generated on first start and
/// kept in the database, so every server sharing the database agrees on it.
pub async fn load_secret(db: &Db, configured: Option<&Secret>) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = configured {
        return Ok(secret.expose().as_bytes().to_vec());
    }
    let candidate = random_token();
    // Insert-if-missing, then read: two servers starting at once end up with the same key.
    setting::Entity::insert(setting::ActiveModel {
        key: Set(SECRET_SETTING.into()),
        value: Set(candidate.clone()),
    })
    .on_conflict_do_nothing_on([setting::Column::Key])
    .exec(db.conn())
    .await?;
    let stored = setting::Entity::find_by_id(SECRET_SETTING.to_owned())
        .one(db.conn())
        .await?
        .ok_or_else(|| anyhow::anyhow!("signing secret missing after insert"))?;
    tracing::warn!(
        "TOLLGATE_SECRET_KEY is not set; using the signing key kept in the database. \
         Set TOLLGATE_SECRET_KEY in production."
    );
    Ok(stored.value.into_bytes())
}
