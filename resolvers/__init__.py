"""The GraphQL schema: types, queries, mutations and what runs around them."""
