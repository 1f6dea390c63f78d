//! Payment proofs: the file a customer attaches to a payment is kept in object storage; the
//! payment row says where (`proof`, the storage key, a column since the first migration) and
//! what it is: its SHA-256 (indexed, so staff see the same file sent for another payment),
//! size, the content type sniffed from its bytes, and the name it was uploaded under.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{add_columns, index};

super::migration!(m => {
    add_columns(
        m,
        "payments",
        vec![
            string_null("proof_sha256"),
            big_integer_null("proof_size"),
            string_null("proof_content_type"),
            string_null("proof_name"),
        ],
    )
    .await?;
    m.create_index(index("payments", &["proof_sha256"], false)).await?;
    // The orphan sweep asks which stored keys a payment still refers to.
    m.create_index(index("payments", &["proof"], false)).await
});
