//! Entry point: hand argv to the app and turn its outcome into a process exit code.

fn main() -> std::process::ExitCode {
    zksh::app::main()
}
