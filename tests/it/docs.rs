//! The README and the guides say only what today's build does. Every `curl` with a `$` prompt in a
//! `sh` block of `README.md` or `docs/*.md` is sent, in order, to a fresh fake (one per block),
//! and its answer compared with the lines printed under it (`…` stands for any text). A command
//! without a prompt is an excerpt to adapt (a host, a config of your own), which each guide says.

use std::path::Path;

use crate::support::{Fake, Reply, send};

/// The README and every guide: (name, text).
fn documents() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut documents = vec![(
        "README.md".to_owned(),
        std::fs::read_to_string(root.join("README.md")).unwrap(),
    )];
    let mut guides: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    guides.sort();
    for guide in guides {
        let name = format!("docs/{}", guide.file_name().unwrap().to_string_lossy());
        documents.push((name, std::fs::read_to_string(&guide).unwrap()));
    }
    documents
}

/// The lines of each ```sh block of `text`.
fn sh_blocks(text: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => block.push(line),
            (None, _) => {}
        }
    }
    blocks
}

/// A block's commands with a prompt, each with the lines printed under it.
fn prompted(block: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    for line in block {
        if let Some(command) = line.strip_prefix("$ ") {
            commands.push((command.to_owned(), Vec::new()));
        } else if let Some((_, printed)) = commands.last_mut()
            && !line.trim().is_empty()
        {
            printed.push((*line).to_owned());
        }
    }
    commands
}

/// `command` split as a shell splits it, single quotes only.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in command.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// Sends the request `curl ARGS` would, to `fake` in place of 127.0.0.1:8080.
fn curl(fake: &Fake, args: &[String]) -> Reply {
    curl_to(
        &|port| {
            assert_eq!(port, "8080", "examples use the default address");
            fake.addr()
        },
        args,
    )
}

/// Sends the request `curl ARGS` would, to the address `at` gives for the URL's port.
fn curl_to(at: &dyn Fn(&str) -> std::net::SocketAddr, args: &[String]) -> Reply {
    let mut method = "GET".to_owned();
    let mut data = None;
    let mut content_type = None;
    let mut url = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-X" => method = args.next().expect("a method after -X").clone(),
            "-d" | "--data" => data = args.next().cloned(),
            "-H" | "--header" => {
                let header = args.next().expect("a header after -H");
                if let Some(value) = header.strip_prefix("Content-Type: ") {
                    content_type = Some(value.to_owned());
                }
            }
            flag if flag.starts_with('-') => {}
            given => url = Some(given.to_owned()),
        }
    }
    if data.is_some() && method == "GET" {
        method = "POST".to_owned();
    }
    let url = url.expect("a URL");
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{url}: examples use a loopback address"));
    let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let addr = at(port);
    let body = data.unwrap_or_default();
    // curl's own type for -d, unless -H gave one.
    let form = match (body.is_empty(), content_type) {
        (true, _) => String::new(),
        (false, Some(given)) => format!("Content-Type: {given}\r\n"),
        (false, None) => "Content-Type: application/x-www-form-urlencoded\r\n".to_owned(),
    };
    send(
        addr,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n{form}Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Whether `actual` is what `printed` shows, `…` standing for any text.
fn shows(printed: &str, actual: &str) -> bool {
    let pieces: Vec<&str> = printed.split('…').collect();
    if pieces.len() == 1 {
        return printed == actual;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if !actual.starts_with(first) || !actual.ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn every_prompted_curl_in_the_readme_and_the_guides_answers_what_is_printed() {
    let mut replayed = 0;
    for (name, text) in documents() {
        for block in sh_blocks(&text) {
            let commands = prompted(&block);
            // A walk-through (the binary's own commands among the curls) runs whole below.
            if commands.is_empty()
                || commands
                    .iter()
                    .any(|(c, _)| c.starts_with("enswitch-fake "))
            {
                continue;
            }
            let fake = Fake::start();
            let here = format!("http://{}", fake.addr());
            for (command, printed) in commands {
                let words = words(&command);
                assert_eq!(words[0], "curl", "{name}: only curl is replayed: {command}");
                let answer = curl(&fake, &words[1..]);
                let actual = answer
                    .body
                    .trim_end()
                    .replace(&here, "http://127.0.0.1:8080");
                let printed = printed.join("\n");
                assert!(
                    shows(&printed, &actual),
                    "{name}: {command}\nprinted: {printed}\nanswered: {actual}"
                );
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 10, "{replayed} commands replayed");
}

/// A guide's walk-through: each `sh` block whose prompts run the binary itself. Run as written,
/// in a directory of its own: `enswitch-fake serve --addr 127.0.0.1:PORT &` starts a server on a
/// free port (each documented port stands for its own), `curl` goes to the server of its port,
/// and every other `enswitch-fake` command runs to the end, printing what the guide shows (the
/// addresses as documented).
#[test]
fn every_walk_through_in_the_guides_runs_as_written() {
    let mut walked = 0;
    for (name, text) in documents() {
        for block in sh_blocks(&text) {
            let commands = prompted(&block);
            if !commands
                .iter()
                .any(|(c, _)| c.starts_with("enswitch-fake "))
            {
                continue;
            }
            let dir = tempfile::tempdir().unwrap();
            let mut servers: Vec<(String, std::process::Child, std::net::SocketAddr)> = Vec::new();
            let documented = |servers: &[(String, std::process::Child, std::net::SocketAddr)],
                              text: &str| {
                servers
                    .iter()
                    .fold(text.to_owned(), |text, (port, _, addr)| {
                        text.replace(&addr.to_string(), &format!("127.0.0.1:{port}"))
                    })
            };
            for (command, printed) in commands {
                let mut argv = words(&command);
                let actual = if let Some(serve) = command.strip_suffix(" &") {
                    let args = words(serve);
                    let at = args
                        .iter()
                        .position(|a| a == "--addr")
                        .expect("a server's --addr");
                    let port = args[at + 1].strip_prefix("127.0.0.1:").unwrap().to_owned();
                    let mut args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
                    args[at] = "127.0.0.1:0";
                    let (child, addr) = crate::support::spawn(&args);
                    servers.push((port, child, addr));
                    String::new()
                } else if argv[0] == "curl" {
                    let at = |port: &str| {
                        servers
                            .iter()
                            .find(|(p, _, _)| p == port)
                            .map(|(_, _, a)| *a)
                            .unwrap_or_else(|| panic!("{name}: no server on {port} yet"))
                    };
                    curl_to(&at, &argv[1..]).body.trim_end().to_owned()
                } else {
                    assert_eq!(argv[0], "enswitch-fake", "{name}: {command}");
                    for word in &mut argv {
                        for (port, _, addr) in &servers {
                            *word = word.replace(&format!("127.0.0.1:{port}"), &addr.to_string());
                        }
                    }
                    let output = crate::support::command()
                        .args(&argv[1..])
                        .current_dir(dir.path())
                        .output()
                        .unwrap();
                    assert!(
                        output.status.success(),
                        "{name}: {command}: {}{}",
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    );
                    documented(&servers, String::from_utf8_lossy(&output.stdout).trim_end())
                };
                let printed = printed.join("\n");
                assert!(
                    shows(&printed, &actual),
                    "{name}: {command}\nprinted: {printed}\nanswered: {actual}"
                );
                walked += 1;
            }
            for (_, child, _) in &servers {
                crate::support::terminate(child);
            }
        }
    }
    assert!(walked >= 6, "{walked} commands walked");
}

#[test]
fn the_ellipsis_stands_for_any_text_and_nothing_else() {
    assert!(shows("a…c", "abc"));
    assert!(shows("a…c…e", "abcde"));
    assert!(!shows("a…c…e", "abxde"));
    assert!(!shows("abc", "abcd"));
    assert_eq!(
        words("curl -X POST 'a b' -d '{\"x\": 1}'"),
        ["curl", "-X", "POST", "a b", "-d", "{\"x\": 1}"]
    );
}

/// The banner the workbench guide shows is what `serve` prints with the fault rule the guide
/// names, line for line (the address aside): the guide's sample said six functions when eleven
/// were served.
#[test]
fn the_banner_in_the_workbench_guide_is_what_serve_prints() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/workbench.md"))
            .unwrap();
    let start = guide
        .find("```text\nlistening on")
        .expect("the banner sample");
    let sample: Vec<&str> = guide[start + "```text\n".len()..]
        .lines()
        .take_while(|l| !l.starts_with("```"))
        .take_while(|l| !l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    let fault = r#"{"function":"cards/list","times":1,"action":{"error":{"code":"500","key":"","message":"Switch busy."}}}"#;
    assert!(
        guide.contains(&format!("--fault '{fault}'")),
        "the guide names the rule"
    );
    let (child, addr, stdout) =
        crate::support::spawn_keeping_stdout(&["serve", "--addr", "127.0.0.1:0", "--fault", fault]);
    let printed = stdout.wait_for(|lines| lines.len() + 1 >= sample.len());
    crate::support::terminate(&child);
    let here = addr.to_string();
    let mut printed: Vec<String> = printed
        .iter()
        .map(|l| l.replace(&here, "127.0.0.1:8080"))
        .collect();
    printed.insert(0, "listening on http://127.0.0.1:8080".to_owned());
    let version = format!("enswitch-fake {}:", env!("CARGO_PKG_VERSION"));
    let sample: Vec<String> = sample
        .iter()
        .map(|l| l.replace("enswitch-fake 0.1.0:", &version))
        .collect();
    assert_eq!(printed[..sample.len()], sample[..]);
}

/// A heading's anchor as GitHub makes it: lowercase, spaces to `-`, other punctuation gone.
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The anchors of `text`'s headings (outside code blocks).
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            found.push(anchor(line));
        }
    }
    found
}

/// Every relative link of the README and the guides leads to a file of the repository, and a
/// link to a heading to a heading that is there: the guides moved out of the README, and its
/// anchors with them.
#[test]
fn every_link_in_the_readme_and_the_guides_leads_somewhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for (name, text) in documents() {
        let folder = root.join(&name).parent().unwrap().to_path_buf();
        for (at, _) in text.match_indices("](") {
            let rest = &text[at + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.starts_with("http") || target.contains(' ') {
                continue;
            }
            let (file, heading) = target.split_once('#').unwrap_or((target, ""));
            let file = if file.is_empty() {
                root.join(&name)
            } else {
                folder.join(file)
            };
            assert!(file.exists(), "{name}: {target}: no {}", file.display());
            if !heading.is_empty() {
                let text = std::fs::read_to_string(&file).unwrap();
                assert!(
                    anchors(&text).iter().any(|a| a == heading),
                    "{name}: {target}: no such heading"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked} links");
}

/// The Python example of the README and of the Python guide is, byte for byte, a test the
/// package's CI runs (`python/tests/test_readme.py`, by `scripts/python-package.sh`).
#[test]
fn the_python_examples_are_a_test_the_package_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let test = std::fs::read_to_string(root.join("python/tests/test_readme.py")).unwrap();
    for document in ["README.md", "docs/python.md"] {
        let text = std::fs::read_to_string(root.join(document)).unwrap();
        let start = text
            .find("```python\nimport json")
            .unwrap_or_else(|| panic!("{document}: no Python example"));
        let block = &text[start + "```python\n".len()..];
        let block = &block[..block.find("```").unwrap()];
        assert_eq!(
            block, test,
            "{document}'s example and python/tests/test_readme.py differ"
        );
    }
}
