//! Operations whose whole shape recurs from area to area, each written once as a macro that
//! makes the handler and its OpenAPI annotation together (the annotation is an attribute, so
//! a function cannot share it). The types they name (`Envelope`, `Page`, the errors…) are
//! resolved where the macro is used, so the description comes out as if written by hand.

/// `GET` of a table's rows of the signed-in customer's account, newest first, in numbered
/// pages, each row shown as `$reply` by `$show`:
///
/// ```text
/// account_list! {
///     /// The account's invoices, newest first.
///     list_invoices: "/billing/invoices", tag "billing", "The account's invoices",
///     invoice::Entity => InvoiceSummary, |i| InvoiceSummary::from(&i)
/// }
/// ```
macro_rules! account_list {
    (
        $(#[doc = $doc:literal])*
        $name:ident: $path:literal, tag $tag:literal, $description:literal,
        $entity:ty => $reply:ident, $show:expr
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            get,
            path = $path,
            tag = $tag,
            params(PageParams),
            responses(
                (status = 200, description = $description, body = Envelope<Page<$reply>>),
                QueryErrors, Unauthenticated, NotCustomer,
            ),
            security(("bearer" = [])),
        )]
        pub async fn $name(
            State(state): State<AppState>,
            Customer(member): Customer,
            paging: Paging,
        ) -> Result<Reply<Page<$reply>>> {
            let account_id = member.account.id;
            let page = of_account::newest::<$entity>(&state.db, account_id, paging.request).await?;
            Ok(ok(paging.list(page, $show)))
        }
    };
}
pub(crate) use account_list;

/// Public `GET` of a whole reference list (tag `catalog`): `$read(&db)` gives the rows, each
/// shown as `$reply` (through its `From<&row>`), all in one page.
macro_rules! public_list {
    (
        $(#[doc = $doc:literal])*
        $name:ident: $path:literal, $description:literal, $read:path => $reply:ident
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            get,
            path = $path,
            tag = "catalog",
            responses(
                (status = 200, description = $description, body = Envelope<Page<$reply>>),
                QueryErrors,
            ),
            security(),
        )]
        pub async fn $name(State(state): State<AppState>) -> Result<Reply<Page<$reply>>> {
            let rows = $read(&state.db).await?;
            Ok(ok(lists::whole(&rows)))
        }
    };
}
pub(crate) use public_list;
