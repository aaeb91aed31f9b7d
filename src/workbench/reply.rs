//! What the workbench gives the server for each request: an [`HttpAnswer`] (status, content type,
//! body) to send now or after a delay, or nothing at all, the connection closed instead. Faults
//! are the only reason for the last two; the server carries them out without knowing why.

use std::time::Duration;

use serde::Serialize;

use crate::fake::ApiResponse;

/// Whether the HTTP status says 200 for every API outcome (D1) or repeats the envelope's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpStatusMode {
    #[default]
    AlwaysOk,
    Mirror,
}

/// Status, content type, any other header, and body: everything the server needs to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub content_type: &'static str,
    /// Headers beyond the content type (`Allow` on a 405), by lowercase name.
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    /// An API answer: the envelope, with the status `mode` says.
    pub fn api(response: &ApiResponse, mode: HttpStatusMode) -> HttpAnswer {
        let status = match mode {
            HttpStatusMode::AlwaysOk => 200,
            HttpStatusMode::Mirror => response.code.as_u16(),
        };
        HttpAnswer {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: response.to_json().into_bytes(),
        }
    }

    /// A control-plane answer: plain JSON with its own status.
    pub fn json(status: u16, value: &impl Serialize) -> HttpAnswer {
        let body = serde_json::to_vec(value).expect("control-plane answers serialize");
        HttpAnswer {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body,
        }
    }

    /// Plain text with its own status (HTTP 503 from a fault).
    pub fn text(status: u16, text: &str) -> HttpAnswer {
        HttpAnswer {
            status,
            content_type: "text/plain",
            headers: Vec::new(),
            body: text.as_bytes().to_vec(),
        }
    }
}

/// What the server does with a request once it has been served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Send this answer.
    Now(HttpAnswer),
    /// Send this answer after waiting (a `delay` fault).
    Later(Duration, HttpAnswer),
    /// Close the connection without answering (a `close` or `act_then_drop` fault).
    Close,
}

impl Reply {
    /// The answer a client would get, if it gets one.
    pub fn answer(&self) -> Option<&HttpAnswer> {
        match self {
            Reply::Now(answer) | Reply::Later(_, answer) => Some(answer),
            Reply::Close => None,
        }
    }
}

impl From<HttpAnswer> for Reply {
    fn from(answer: HttpAnswer) -> Reply {
        Reply::Now(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::ApiError;

    #[test]
    fn mirror_mode_puts_the_code_in_the_status_line() {
        let error: ApiResponse = ApiError::required("id").into();
        assert_eq!(
            HttpAnswer::api(&error, HttpStatusMode::AlwaysOk).status,
            200
        );
        assert_eq!(HttpAnswer::api(&error, HttpStatusMode::Mirror).status, 400);
    }
}
