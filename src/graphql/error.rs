//! How a domain error reaches a GraphQL client: its message, `extensions.code` (api.md) and,
//! for bad input, `extensions.field`.

use async_graphql::ErrorExtensions;

use crate::error::AppError;

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let mut out = async_graphql::Error::new(err.message());
        out = out.extend_with(|_, ext| {
            ext.set("code", err.code());
            if let AppError::BadInput { field, .. } = &err {
                ext.set("field", field.as_str());
            }
        });
        out
    }
}
