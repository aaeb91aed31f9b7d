//! Any bytes parse as parameters without panicking, and `get` finds the first of each name.
#![no_main]

use enswitch_fake::fake::RawParams;
use libfuzzer_sys::fuzz_target;

#[path = "../input.rs"]
#[expect(dead_code, reason = "this target reads only `split`")]
mod input;

fuzz_target!(|data: &[u8]| {
    let (query, body) = input::split(data);
    let params = RawParams::parse(&query, Some(body));
    for (name, value) in params.pairs() {
        let first = params.pairs().find(|(n, _)| *n == name).map(|(_, v)| v);
        assert_eq!(params.get(name), first);
        assert!(
            value.len() <= data.len() * 3,
            "a value longer than its input"
        );
    }
});
