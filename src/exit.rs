//! Exit codes of the `enswitch-fake` binary, named once so `main`, the help text and the tests
//! agree.

/// Everything succeeded.
pub const OK: u8 = 0;
/// `check` ran, and some case failed, is new, or could not be run.
pub const FAILED: u8 = 1;
/// The command ran and found problems the user asked about (a spec with errors) or could not do
/// its work (a file it could not write). Clap's own usage errors use the same code.
pub const ERROR: u8 = 2;
/// `check` was interrupted (Ctrl-C, SIGTERM): the cases that ran are reported, the rest skipped.
/// 128 plus SIGINT's number, as a shell reports a command a Ctrl-C stopped.
pub const INTERRUPTED: u8 = 130;
