//! HTTPS (issue 30, item 1): `serve --tls` makes a CA of its own and serves a certificate it
//! signs; a client given the CA verifies the server, a client that is not refuses it; a given
//! certificate and key are served instead on `--tls-cert`/`--tls-key`. Real HTTPS over
//! loopback, with ureq (rustls) as the client.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::conformance::{check, fixtures_dir};
use crate::support::{command, terminate};

const GROUP_GET: &str =
    "/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123";

/// Starts `serve ARGS` on a free port and returns it with its first line and the rest of its
/// stdout, drained into lines by a thread.
fn serve(args: &[&str]) -> (Child, String, std::sync::mpsc::Receiver<String>) {
    let mut child = command()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    (child, first.trim_end().to_owned(), lines)
}

/// The banner's lines, up to the `log` row.
fn banner(lines: &std::sync::mpsc::Receiver<String>) -> Vec<String> {
    let mut banner = Vec::new();
    while let Ok(line) = lines.recv_timeout(std::time::Duration::from_secs(5)) {
        let last = line.trim_start().starts_with("log ");
        banner.push(line);
        if last {
            break;
        }
    }
    banner
}

/// A client that trusts the certificates in `pem` and nothing else.
fn client(pem: &[u8]) -> ureq::Agent {
    let certificates: Vec<_> = ureq::tls::parse_pem(pem)
        .filter_map(|item| match item.unwrap() {
            ureq::tls::PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    assert!(!certificates.is_empty());
    let roots = ureq::tls::RootCerts::new_with_certs(&certificates);
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .build()
        .into()
}

fn get(client: &ureq::Agent, url: &str) -> Result<(u16, String), ureq::Error> {
    let mut answer = client.get(url).call()?;
    let status = answer.status().as_u16();
    Ok((status, answer.body_mut().read_to_string()?))
}

fn stop(child: &mut Child) {
    terminate(child);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_made_ca_is_trusted_by_the_clients_given_it_and_refused_by_others() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let (mut child, first, lines) = serve(&["--tls", "--tls-ca-file", ca.to_str().unwrap()]);
    let base = first
        .strip_prefix("listening on ")
        .filter(|url| url.starts_with("https://127.0.0.1:"))
        .unwrap_or_else(|| panic!("the first line is {first:?}"))
        .to_owned();
    let port = base.rsplit(':').next().unwrap().to_owned();
    let banner = banner(&lines).join("\n");
    assert!(
        banner.contains(&format!("api        {base}/api/json/")),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("trust {}", ca.display())),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("dashboard  {base}/_fake/ui/")),
        "{banner}"
    );

    // The CA's certificate, written before the first line; its private key nowhere.
    let pem = std::fs::read(&ca).unwrap();
    let text = String::from_utf8_lossy(&pem);
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
    assert!(!text.contains("PRIVATE"), "{text}");

    let trusting = client(&pem);
    let (status, body) = get(&trusting, &format!("{base}{GROUP_GET}")).unwrap();
    assert_eq!(status, 200, "{body}");
    let envelope: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(envelope["responses"][0]["code"], "200", "{body}");
    assert_eq!(envelope["data"]["id"], 123, "{body}");
    // Every name the certificate is for, the control plane and the dashboard alike.
    for host in ["localhost", "127.0.0.1", "[::1]"] {
        let url = format!("https://{host}:{port}/_fake/health");
        match get(&trusting, &url) {
            Ok((status, body)) => assert_eq!((status, body.contains("ok")), (200, true), "{url}"),
            // A machine without IPv6 on loopback cannot be asked at [::1]; the server binds
            // 127.0.0.1 anyway, so only the refusal to connect is allowed there.
            Err(ureq::Error::Io(e)) if host == "[::1]" => {
                assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}");
            }
            Err(e) => panic!("{url}: {e}"),
        }
    }
    let (status, page) = get(&trusting, &format!("{base}/_fake/ui/")).unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("<html"), "{page}");

    // A client trusting another CA refuses the server: its certificate is really checked.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let refusing = client(other.cert.pem().as_bytes());
    let error = get(&refusing, &format!("{base}{GROUP_GET}")).unwrap_err();
    assert!(
        error.to_string().to_lowercase().contains("certificate")
            || error.to_string().contains("UnknownIssuer"),
        "{error}"
    );
    // Nor does the server answer plain HTTP on its port.
    let plain = ureq::get(&format!("http://127.0.0.1:{port}/_fake/health")).call();
    assert!(plain.is_err(), "{plain:?}");
    stop(&mut child);
}

#[test]
fn the_ca_file_defaults_to_one_the_banner_names_and_the_json_banner_names_it_too() {
    let (mut child, first, _lines) = serve(&["--tls", "--log-format", "json"]);
    let listening: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(
        listening["url"].as_str().unwrap().starts_with("https://"),
        "{first}"
    );
    let ca = listening["ca_file"].as_str().unwrap().to_owned();
    assert!(
        Path::new(&ca).starts_with(std::env::temp_dir()),
        "{ca} in the temporary directory"
    );
    let pem = std::fs::read(&ca).unwrap();
    let base = listening["url"].as_str().unwrap();
    let (status, _) = get(&client(&pem), &format!("{base}/_fake/health")).unwrap();
    assert_eq!(status, 200);
    stop(&mut child);
    std::fs::remove_file(ca).unwrap();
}

/// `check` against `base` passes trusting `ca` (`--ca-cert`), and without it stops at the probe
/// (exit 2) naming the URL: the runner's certificate checking is real.
fn check_trusts_only_when_told(base: &str, ca: &Path, dir: &Path) {
    let fixtures = fixtures_dir();
    let args = [
        "--target",
        base,
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--update",
        "no",
        "--filter",
        "cards/groups/update/ok/",
    ];
    let trusted = check(
        &[&args[..], &["--ca-cert", ca.to_str().unwrap()]].concat(),
        dir,
    );
    let said = String::from_utf8_lossy(&trusted.stdout);
    assert_eq!(trusted.status.code(), Some(0), "{said}");
    assert!(said.contains("2 passed, 0 failed"), "{said}");
    let untrusted = check(&args, dir);
    assert_eq!(
        untrusted.status.code(),
        Some(2),
        "the probe fails on an unknown certificate"
    );
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        stderr.contains("checking the target before the run"),
        "{stderr}"
    );
    assert!(stderr.contains(base), "the error names the URL: {stderr}");
}

#[test]
fn check_runs_over_https_against_serve_tls_with_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let (mut child, first, _lines) = serve(&["--tls", "--tls-ca-file", ca.to_str().unwrap()]);
    let base = format!("{}/api/json/", first.strip_prefix("listening on ").unwrap());
    check_trusts_only_when_told(&base, &ca, dir.path());

    // `health`, the probe alone, takes the same file.
    let health = |extra: &[&str]| {
        command()
            .args(["health", "--url", &base])
            .args(extra)
            .output()
            .unwrap()
    };
    let healthy = health(&["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(healthy.status.code(), Some(0), "{healthy:?}");
    assert_eq!(
        String::from_utf8_lossy(&healthy.stdout),
        format!("ok: {base} answers\n")
    );
    let unhealthy = health(&[]);
    assert_eq!(unhealthy.status.code(), Some(1), "{unhealthy:?}");
    stop(&mut child);
}

#[test]
fn a_given_certificate_and_key_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let (mut child, first, lines) = serve(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let port = first
        .strip_prefix("listening on https://127.0.0.1:")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let banner = banner(&lines).join("\n");
    assert!(
        banner.contains("https      the certificate of --tls-cert"),
        "{banner}"
    );
    let trusting = client(made.cert.pem().as_bytes());
    let (status, body) = get(&trusting, &format!("https://localhost:{port}{GROUP_GET}")).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""code":"200""#), "{body}");
    // The runner trusts a self-signed certificate as its own CA, and only when told.
    let base = format!("https://localhost:{port}/api/json/");
    check_trusts_only_when_told(&base, &cert, dir.path());
    stop(&mut child);
}

#[test]
fn https_setup_errors_name_the_flag_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let refused = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "nothing listened: {args:?}");
        String::from_utf8(output.stderr).unwrap()
    };
    let said = refused(&["--tls-cert", missing, "--tls-key", missing]);
    assert!(said.contains("--tls-cert/--tls-key"), "{said}");
    assert!(said.contains(&format!("{missing}: cannot read")), "{said}");
    let said = refused(&["--tls-cert", missing]);
    assert!(said.contains("--tls-key"), "{said}");
    let nowhere = dir.path().join("no/such/dir/ca.pem");
    let said = refused(&["--tls", "--tls-ca-file", nowhere.to_str().unwrap()]);
    assert!(
        said.contains(&format!("--tls-ca-file {}", nowhere.display())),
        "{said}"
    );
    let said = refused(&[
        "--tls-ca-file",
        "ca.pem",
        "--tls-cert",
        missing,
        "--tls-key",
        missing,
    ]);
    assert!(said.contains("cannot be used with"), "{said}");
}
