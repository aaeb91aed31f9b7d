//! Times `Workbench::serve` in a loop for each benchmark workload, without a socket: where the time
//! goes when bench/run.sh shows a gap. `cargo run --release --example handle_loop`.

use std::time::Instant;

use enswitch_fake::fake::ApiRequest;
use enswitch_fake::workbench::Workbench;

fn main() {
    let auth = "auth_username=user;auth_password=password";
    let workloads = [
        (
            "a update",
            format!("/api/json/cards/groups/update/?{auth};id=123;name=bench;clock=150"),
        ),
        (
            "b validation=1",
            format!(
                "/api/json/cards/batches/create/?{auth};cardgroup=123;batch_name=b;number=1;validation=1"
            ),
        ),
        (
            "c 400",
            format!("/api/json/cards/batches/create/?{auth};batch_name=b"),
        ),
        (
            "d get",
            format!("/api/json/cards/groups/get/?{auth};id=123"),
        ),
    ];
    let only = std::env::args().nth(1);
    let rounds: u32 = std::env::args()
        .nth(2)
        .and_then(|r| r.parse().ok())
        .unwrap_or(200_000);
    let workbench = Workbench::embedded().expect("the embedded spec and seed load");
    for (name, path) in workloads
        .iter()
        .filter(|(n, _)| only.as_deref().is_none_or(|o| n.starts_with(o)))
    {
        let request = ApiRequest::get(path);
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(workbench.serve(request.clone()));
        }
        let each = started.elapsed() / rounds;
        println!("{name:<16} {:>8.2} µs per call", each.as_secs_f64() * 1e6);
    }
}
