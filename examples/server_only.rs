//! The fake's own server (its limits, read timeout, connection registry and graceful shutdown)
//! with a handler that answers every request with the baseline's fixed envelope and does nothing
//! else. Beside the bare hyper baseline and the fake in one `bench/run.sh` run, it splits the
//! fake's cost between the server and the workbench behind it.
//!
//! ```sh
//! cargo run --release --example server_only -- 127.0.0.1:9000
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use enswitch_fake::fake::ApiRequest;
use enswitch_fake::server::{Handler, Limits, Scheme, serve_until_signal};
use enswitch_fake::workbench::{HttpAnswer, Reply};

const ENVELOPE: &str = r#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#;

/// Answers the fixed envelope, as the baseline does.
struct Constant;

impl Handler for Constant {
    fn blocks(&self, _: &ApiRequest) -> bool {
        false
    }

    fn serve(&self, _: ApiRequest) -> Reply {
        let mut answer = HttpAnswer::text(200, ENVELOPE);
        answer.content_type = "application/json";
        answer.into()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".into())
        .parse()
        .map_err(|e| format!("the address: {e}"))?;
    serve_until_signal(
        addr,
        Arc::new(Constant),
        &Limits::DEFAULT,
        Scheme::Http,
        |bound| {
            println!("listening on http://{bound}");
            Ok(())
        },
    )?;
    Ok(())
}
