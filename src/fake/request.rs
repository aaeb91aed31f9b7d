//! `ApiRequest`: the owned request the server makes from a hyper request once, at the edge, so
//! everything after it is synchronous and testable without a socket.

use crate::fake::params::RawParams;

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
    /// The token of an `Authorization: Bearer` header, which the workbench's control plane may
    /// require; the API never reads it.
    pub admin_token: Option<String>,
    /// The `Accept` header, if any: whether the landing page answers HTML or JSON.
    pub accept: Option<String>,
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

    /// The method's name to keep: no copy for the ones the fake knows.
    pub fn name(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Method::Get => "GET".into(),
            Method::Post => "POST".into(),
            Method::Delete => "DELETE".into(),
            Method::Other(name) => name.clone().into(),
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
            accept: None,
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

    /// Whether a POST's body is read as a form: it says so, or says nothing (as `curl -d` does
    /// not always), or is empty.
    pub fn has_form_body(&self) -> bool {
        match &self.content_type {
            None => true,
            Some(t) => {
                let essence = t.split(';').next().unwrap_or_default().trim();
                essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
                    || self.body.is_empty()
            }
        }
    }

    /// The parameters as sent: the query string, then a POST's form body (D3).
    pub fn params(&self) -> RawParams {
        let form = self.method == Method::Post && self.has_form_body();
        RawParams::parse(&self.query, form.then_some(self.body.as_slice()))
    }
}
