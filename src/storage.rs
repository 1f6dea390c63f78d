//! Where uploaded files live: a local folder (`file://PATH`, the default) or an S3-compatible
//! bucket (`s3://BUCKET[/PREFIX]`: AWS, MinIO, Garage, R2…), through `object_store`. It knows
//! objects and keys only; what a file means (a payment's proof) and which keys are still
//! referenced is the domain's business.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No object under that key (never stored, or deleted).
    #[error("no such object")]
    Missing,
    /// The store did not answer as it should: down, unreachable, refused our credentials.
    #[error("file storage failed: {0}")]
    Down(#[source] object_store::Error),
    /// A key that is not a valid object path.
    #[error("invalid storage key")]
    BadKey,
}

impl From<object_store::Error> for StorageError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => StorageError::Missing,
            other => StorageError::Down(other),
        }
    }
}

pub type Stored<T> = Result<T, StorageError>;

/// An object's bytes as they arrive from the store.
pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// An object the store holds, as a listing describes it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub key: String,
    pub last_modified: DateTime<Utc>,
}

/// A handle on the configured store; cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The configured URL, for logs (S3 credentials never appear in it: they come from the
    /// environment).
    url: String,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Storage({})", self.url)
    }
}

/// A store that is down must not hold a request for minutes (object_store's default retries
/// for three): connect quickly, retry twice, give up within 15 s, and answer 503.
fn s3_client() -> (ClientOptions, RetryConfig) {
    let options = ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(5))
        .with_timeout(Duration::from_secs(60));
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 2,
        retry_timeout: Duration::from_secs(15),
    };
    (options, retry)
}

impl Storage {
    /// Opens the store `url` names: `file://PATH` (relative to the working directory; the
    /// folder is created when missing) or `s3://BUCKET[/PREFIX]`, configured from the usual
    /// `AWS_*` variables, at `s3_endpoint` when given (MinIO, Garage, R2; plain http allowed
    /// when the endpoint is http).
    pub fn open(url: &str, s3_endpoint: Option<&str>) -> anyhow::Result<Storage> {
        let store: Arc<dyn ObjectStore> = if let Some(path) = url.strip_prefix("file://") {
            anyhow::ensure!(
                !path.is_empty(),
                "TOLLGATE_STORAGE_URL: file:// needs a path"
            );
            std::fs::create_dir_all(path)
                .map_err(|e| anyhow::anyhow!("cannot create the storage folder {path}: {e}"))?;
            Arc::new(LocalFileSystem::new_with_prefix(path)?.with_automatic_cleanup(true))
        } else if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            anyhow::ensure!(
                !bucket.is_empty(),
                "TOLLGATE_STORAGE_URL: s3:// needs a bucket"
            );
            let (options, retry) = s3_client();
            let mut builder = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_client_options(options)
                .with_retry(retry);
            if let Some(endpoint) = s3_endpoint.map(str::trim).filter(|e| !e.is_empty()) {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            if std::env::var_os("AWS_REGION").is_none()
                && std::env::var_os("AWS_DEFAULT_REGION").is_none()
            {
                builder = builder.with_region("us-east-1");
            }
            let s3 = builder.build()?;
            let prefix = prefix.trim_matches('/');
            if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(PrefixStore::new(s3, prefix))
            }
        } else {
            anyhow::bail!("TOLLGATE_STORAGE_URL must start with file:// or s3://, not {url:?}");
        };
        Ok(Storage {
            store,
            url: url.to_owned(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn path(key: &str) -> Stored<Path> {
        Path::parse(key).map_err(|_| StorageError::BadKey)
    }

    /// Writes `bytes` under `key` (a new key each time: nothing is overwritten).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Stored<()> {
        let path = Self::path(key)?;
        self.store.put(&path, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The object's bytes, streamed.
    pub async fn get(&self, key: &str) -> Stored<ByteStream> {
        let path = Self::path(key)?;
        let result = self.store.get(&path).await?;
        Ok(result.into_stream().map_err(std::io::Error::from).boxed())
    }

    /// Deletes the object; one that is already gone counts as deleted, so two servers
    /// sweeping at once both succeed.
    pub async fn delete(&self, key: &str) -> Stored<()> {
        let path = Self::path(key)?;
        match self.store.delete(&path).await.map_err(StorageError::from) {
            Ok(()) | Err(StorageError::Missing) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every object whose key starts with `prefix` (a folder, e.g. `proofs`).
    pub async fn list(&self, prefix: &str) -> Stored<Vec<Listed>> {
        let path = Self::path(prefix)?;
        let mut objects = self.store.list(Some(&path));
        let mut listed = Vec::new();
        while let Some(meta) = objects.next().await {
            let meta = meta?;
            listed.push(Listed {
                key: meta.location.to_string(),
                last_modified: meta.last_modified,
            });
        }
        Ok(listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_folder_stores_lists_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().join("new").display());
        let storage = Storage::open(&url, None).unwrap();
        storage
            .put("proofs/a", Bytes::from_static(b"x"))
            .await
            .unwrap();
        let listed = storage.list("proofs").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].key, "proofs/a");
        let bytes: Vec<Bytes> = storage
            .get("proofs/a")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(bytes.concat(), b"x");
        storage.delete("proofs/a").await.unwrap();
        storage.delete("proofs/a").await.unwrap();
        assert!(matches!(
            storage.get("proofs/a").await,
            Err(StorageError::Missing)
        ));
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(Storage::open("ftp://x", None).is_err());
        assert!(Storage::open("s3://", None).is_err());
    }
}
