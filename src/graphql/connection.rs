//! Relay connections over the keyset pages of `pagination`: the `PageInfo` object and the
//! [`connection!`](crate::connection) macro that declares each list's `XConnection` / `XEdge`.

use async_graphql::Object;

use crate::pagination::PageInfo;

#[Object]
impl PageInfo {
    async fn has_next_page(&self) -> bool {
        self.has_next_page
    }

    async fn has_previous_page(&self) -> bool {
        self.has_previous_page
    }

    async fn start_cursor(&self) -> Option<&str> {
        self.start_cursor.as_deref()
    }

    async fn end_cursor(&self) -> Option<&str> {
        self.end_cursor.as_deref()
    }
}

/// Declares `XConnection` / `XEdge` GraphQL types over a node type. `totalCount` runs its
/// COUNT only when a client asks for it.
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $entity:path, $doc:literal) => {
        #[doc = $doc]
        pub struct $conn {
            pub edges: Vec<$edge>,
            pub page_info: $crate::pagination::PageInfo,
            /// The visibility and filter condition of the list, for `totalCount`.
            pub count_condition: sea_orm::sea_query::Condition,
        }

        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        #[async_graphql::Object]
        impl $conn {
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            async fn page_info(&self) -> &$crate::pagination::PageInfo {
                &self.page_info
            }

            /// Rows matching the filter that the caller may see, ignoring paging.
            async fn total_count(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<i64> {
                use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
                let db = &$crate::graphql::context::state(ctx)?.db;
                let n = <$entity>::find()
                    .filter(self.count_condition.clone())
                    .count(db)
                    .await
                    .map_err($crate::error::AppError::from)?;
                Ok(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }

        impl $conn {
            pub fn new(
                rows: Vec<(String, $node)>,
                page_info: $crate::pagination::PageInfo,
                count_condition: sea_orm::sea_query::Condition,
            ) -> Self {
                Self {
                    edges: rows.into_iter().map(|(cursor, node)| $edge { cursor, node }).collect(),
                    page_info,
                    count_condition,
                }
            }
        }
    };
}
