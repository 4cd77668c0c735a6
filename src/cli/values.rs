//! The values of options and arguments that clap cannot check by itself: durations, sizes,
//! connect strings. Each parser says what is wrong in words a user can act on.

use std::time::Duration;

/// Parses a number of bytes: `0`, `512`, `4k`, `1m` (KiB and MiB).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let (number, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let value: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size in bytes (try 512, 4k, 1m)"))?;
    let scale = match unit {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        other => return Err(format!("unknown unit '{other}' in '{text}' (use k or m)")),
    };
    value
        .checked_mul(scale)
        .ok_or_else(|| format!("'{text}' is out of range"))
}

/// Parses a request-size limit in bytes: `1048575`, `512k`, `4m` (1k to 2047m, what a
/// server's jute.maxbuffer can be).
pub fn parse_size(text: &str) -> Result<usize, String> {
    parse_bytes(text)?
        .try_into()
        .ok()
        .filter(|size| (1024..=i32::MAX as usize).contains(size))
        .ok_or_else(|| format!("'{}' is out of range (1k to 2047m)", text.trim()))
}

/// The regex crate's reason for refusing a pattern, on one line: its own message spans
/// several (the pattern, a caret under the fault, then `error: ...`).
pub fn regex_reason(err: &regex::Error) -> String {
    match err {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|line| line.trim().strip_prefix("error: "))
            .unwrap_or("not a valid regular expression")
            .to_string(),
        regex::Error::CompiledTooBig(limit) => {
            format!("it compiles to more than {limit} bytes (the regex size limit)")
        }
        other => other.to_string().lines().collect::<Vec<_>>().join(" "),
    }
}

/// Parses `--parallel N`: requests in flight at once, 1 to 64 (more only queues at the
/// server: it answers one session's requests in order).
pub fn parse_parallel(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=64).contains(&n) => Ok(n),
        Ok(_) => Err(format!(
            "'{text}' is out of range: at least 1 request in flight, at most 64"
        )),
        Err(_) => Err(format!("'{text}' is not a number of requests (try 8)")),
    }
}

/// Parses `-d DEPTH`: levels below the node, 0 (the node alone) or more.
pub fn parse_depth(text: &str) -> Result<usize, String> {
    let text = text.trim();
    match text.parse::<usize>() {
        Ok(depth) => Ok(depth),
        Err(_) if text.parse::<i64>().is_ok() => Err(format!(
            "'{text}' is not a depth: give 0 (the node alone) or more levels below it"
        )),
        Err(_) => Err(format!("'{text}' is not a number of levels (try 2)")),
    }
}

/// Parses `500ms`, `10s`, `2m`, `1h`; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (try 10s, 500ms, 2m)"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit '{other}' in '{text}' (use ms, s, m or h)")),
    };
    if !seconds.is_finite() || !(0.0..=1e9).contains(&seconds) {
        return Err(format!("'{text}' is out of range"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Checks a connect string, `host[:port][,host[:port]...][/chroot]`, as it is parsed: the client
/// would read `host:` (an empty port) as port 2181 and connect somewhere not asked for. A host
/// alone means port 2181, as in ZooKeeper's own clients; an IPv6 address goes in brackets.
pub fn parse_connect_string(text: &str) -> Result<String, String> {
    // A host may carry zookeeper-client's scheme (`tcp://`, `tcp+tls://`): its slashes are
    // not the chroot's.
    let chroot = crate::zk::profile::chroot_of(text);
    let hosts = &text[..text.len() - chroot.map_or(0, str::len)];
    if hosts.is_empty() {
        return Err(format!(
            "'{text}' names no host (give host:port[,host:port...][/chroot])"
        ));
    }
    for host_port in hosts.split(',') {
        let bare = ["tcp://", "tcp+tls://"]
            .iter()
            .find_map(|scheme| host_port.strip_prefix(scheme))
            .unwrap_or(host_port);
        check_host_port(bare)?;
    }
    if let Some(chroot) = chroot {
        // A chroot is a znode path as the server checks it: already normal, nothing to resolve.
        let normal = crate::path::resolve_path("/", chroot).map_err(|e| format!("chroot {e}"))?;
        if normal != chroot {
            return Err(format!(
                "chroot '{chroot}' has '.' or '..' in it (write it as '{normal}')"
            ));
        }
    }
    Ok(text.to_string())
}

fn check_host_port(host_port: &str) -> Result<(), String> {
    if host_port.is_empty() {
        return Err("the host list has an empty entry (',,' or a ',' at an end)".into());
    }
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(format!("host '{host_port}' opens '[' without closing it"));
        };
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(format!("host '{host_port}': only ':port' may follow ']'")),
            },
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(format!("'{host_port}' has an empty host name"));
    }
    if host.chars().any(char::is_whitespace) {
        return Err(format!("host '{host}' has a space in it"));
    }
    match port {
        None => Ok(()),
        Some("") => Err(format!(
            "host '{host}' has an empty port after ':' (give {host}:PORT, or {host} alone for 2181)"
        )),
        Some(port) => match port.parse::<u16>() {
            Ok(n) if n > 0 && port.chars().all(|c| c.is_ascii_digit()) => Ok(()),
            _ => Err(format!("host '{host}' has port '{port}', not a number from 1 to 65535")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_strings_are_checked() {
        for good in [
            "127.0.0.1:2181",
            "h",
            "zk1:2181,zk2:2182/app",
            "zk1:2181/app/x",
            "[::1]:2181",
            "[::1]",
            "h:65535",
            "h/",
        ] {
            assert_eq!(parse_connect_string(good).as_deref(), Ok(good), "{good}");
        }
        let err = |text: &str| parse_connect_string(text).unwrap_err();
        assert!(err("127.0.0.1:").contains("host '127.0.0.1' has an empty port"));
        assert!(err("a:1,b:/x").contains("host 'b' has an empty port"));
        assert!(err("h:0").contains("1 to 65535"));
        assert!(err("h:65536").contains("1 to 65535"));
        assert!(err("h:+1").contains("1 to 65535"));
        assert!(err("h:x").contains("'x'"));
        assert!(err(":2181").contains("empty host"));
        assert!(err("").contains("no host"));
        assert!(err("/app").contains("no host"));
        assert!(err("a:1,,b:2").contains("empty entry"));
        assert!(err("[::1:2181").contains("'['"));
        assert!(err("h:1/app/").contains("ends with '/'"));
        assert!(err("h:1/a//b").contains("empty component"));
        assert!(err("h:1/a/../b").contains("'..'"));
        assert!(err("h:1/a\u{1}").contains("forbids"));
    }

    #[test]
    fn depths() {
        assert_eq!(parse_depth("0"), Ok(0));
        assert_eq!(parse_depth("3"), Ok(3));
        assert!(parse_depth("-1").is_err_and(|e| e.contains("not a depth")));
        assert!(parse_depth("two").is_err_and(|e| e.contains("not a number")));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048575"), Ok(1_048_575));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert!(parse_size("12").is_err(), "too small to be a server's limit");
        assert!(parse_size("4g").is_err());
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn byte_counts_start_at_zero() {
        assert_eq!(parse_bytes("0"), Ok(0));
        assert_eq!(parse_bytes("512"), Ok(512));
        assert_eq!(parse_bytes("4k"), Ok(4096));
        assert_eq!(parse_bytes("1M"), Ok(1 << 20));
        assert_eq!(parse_bytes("10b"), Ok(10));
        assert!(parse_bytes("4g").unwrap_err().contains("unknown unit 'g'"));
        assert!(parse_bytes("-1").unwrap_err().contains("not a size"));
        assert!(parse_bytes("k").unwrap_err().contains("not a size"));
        assert!(parse_bytes("99999999999999999999").is_err());
    }

    #[test]
    fn regex_errors_fit_on_one_line() {
        // Patterns as a user types them: built at run time (clippy checks literal ones).
        let compile = |pattern: &str| regex::Regex::new(pattern).expect_err(pattern);
        assert_eq!(regex_reason(&compile(&String::from("(a"))), "unclosed group");
        let reason = regex_reason(&compile(&String::from("a{2,1}")));
        assert!(reason.contains("repetition") && !reason.contains('\n'), "{reason}");
    }
}
