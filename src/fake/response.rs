//! `ApiResponse`: one Enswitch answer (code, key, message and maybe `data`) and its envelope,
//! exactly the vendor's: `{"responses":[{"code":"204","key":"","message":"OK"}]}`, `code` a
//! string, `data` only when the function returns some. The HTTP answer around it is the
//! workbench's.

use serde::Serialize;

use crate::fake::error::ApiError;
use crate::spec::Code;

/// One Enswitch answer: success with or without data, or an error.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub code: Code,
    pub key: String,
    pub message: String,
    /// The JSON text of `data`, serialized once from typed values by the domain function.
    pub data: Option<String>,
}

/// `value` as the JSON text of an answer's `data`.
pub(super) fn data(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("answer data serializes")
}

impl ApiResponse {
    /// 200 with data, or 204 without (`data` is `None`).
    pub fn ok(data: Option<String>) -> ApiResponse {
        let code = if data.is_some() { 200 } else { 204 };
        ApiResponse::success(code, data)
    }

    /// 201: the input passed validation and nothing was changed (D14).
    pub fn validated() -> ApiResponse {
        ApiResponse::success(201, None)
    }

    fn success(code: u16, data: Option<String>) -> ApiResponse {
        let code = Code::new(code).expect("success codes are codes the API uses");
        ApiResponse {
            code,
            key: String::new(),
            message: "OK".into(),
            data,
        }
    }

    /// `data` parsed, for callers that want to look inside.
    pub fn data_json(&self) -> Option<serde_json::Value> {
        self.data
            .as_deref()
            .map(|text| serde_json::from_str(text).expect("data is JSON"))
    }

    /// The envelope as compact JSON, the way the vendor sends it. Written by hand: it is made
    /// for every answer, and its shape is fixed.
    pub fn to_json(&self) -> String {
        let data_len = self.data.as_ref().map_or(0, |d| d.len() + 8);
        let mut out = String::with_capacity(64 + self.key.len() + self.message.len() + data_len);
        out.push_str(r#"{"responses":[{"code":""#);
        out.push_str(self.code.as_str());
        out.push_str(r#"","key":"#);
        push_json_string(&mut out, &self.key);
        out.push_str(r#","message":"#);
        push_json_string(&mut out, &self.message);
        out.push_str("}]");
        if let Some(data) = &self.data {
            out.push_str(r#","data":"#);
            out.push_str(data);
        }
        out.push('}');
        out
    }
}

/// `text` as a JSON string: as it is when nothing in it needs escaping, else by serde_json.
fn push_json_string(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(text).expect("a string serializes"));
    }
}

impl From<ApiError> for ApiResponse {
    fn from(error: ApiError) -> ApiResponse {
        ApiResponse {
            code: error.code,
            key: error.key,
            message: error.message,
            data: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_204_is_the_vendors_envelope_byte_for_byte() {
        assert_eq!(
            ApiResponse::ok(None).to_json(),
            r#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#
        );
    }

    #[test]
    fn keys_and_messages_are_escaped_as_json_strings() {
        let error = ApiResponse {
            code: Code::new(400).unwrap(),
            key: "a\"b".into(),
            message: "line\nback\\slash \u{1} é".into(),
            data: None,
        };
        let parsed: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!(parsed["responses"][0]["code"], "400");
        assert_eq!(parsed["responses"][0]["key"], "a\"b");
        assert_eq!(
            parsed["responses"][0]["message"],
            "line\nback\\slash \u{1} é"
        );
    }

    #[test]
    fn data_follows_responses_only_when_there_is_some() {
        let answer = ApiResponse::ok(Some(data(&serde_json::json!({"id": 123}))));
        assert_eq!(
            answer.to_json(),
            r#"{"responses":[{"code":"200","key":"","message":"OK"}],"data":{"id":123}}"#
        );
    }
}
