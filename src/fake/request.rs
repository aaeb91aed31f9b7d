//! `ApiRequest`: the owned request that `server.rs` makes from a hyper request once, at the
//! edge, so everything after it is synchronous and testable without a socket.

/// What the fake needs of an HTTP request, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: Method,
    /// The path without the query, as sent (`/api/json/cards/groups/update/`).
    pub path: String,
    /// The raw query string without `?`, still encoded.
    pub query: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The token of an `Authorization: Bearer` header, which the control plane may require.
    pub admin_token: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
    /// Any other method, by name.
    Other(String),
}

impl Method {
    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Other(name) => name,
        }
    }
}

impl ApiRequest {
    /// A GET of `path?query`, for tests and library callers.
    pub fn get(path_and_query: &str) -> ApiRequest {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        ApiRequest {
            method: Method::Get,
            path: path.to_owned(),
            query: query.to_owned(),
            content_type: None,
            admin_token: None,
            body: Vec::new(),
        }
    }

    /// A POST of a form body to `path_and_query`.
    pub fn post_form(path_and_query: &str, body: &str) -> ApiRequest {
        ApiRequest {
            method: Method::Post,
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: body.as_bytes().to_vec(),
            ..ApiRequest::get(path_and_query)
        }
    }
}
