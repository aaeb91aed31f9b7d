//! Any request to any API function is answered, never with a 500 (a caught panic, or a function
//! without a domain arm), always with a well-formed answer; the world is reset between inputs so
//! every finding replays alone.
#![no_main]

use std::sync::OnceLock;

use enswitch_fake::workbench::Workbench;
use libfuzzer_sys::fuzz_target;

#[path = "../input.rs"]
mod input;

fn app() -> &'static Workbench {
    static APP: OnceLock<Workbench> = OnceLock::new();
    APP.get_or_init(input::app)
}

fuzz_target!(|data: &[u8]| {
    let Some(request) = input::request(data) else {
        return;
    };
    let app = app();
    app.reset().expect("an in-memory world resets");
    if let Err(why) = input::check(&app.serve(request)) {
        panic!("{why}");
    }
});
