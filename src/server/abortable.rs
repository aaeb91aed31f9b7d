//! A connection's socket that can be closed by force. Closing a socket normally leaves what is
//! unsent with the kernel, which goes on offering it to a client that may never read it (and
//! keeps the buffers meanwhile); a connection the server ends because its client stopped
//! reading is instead reset: the unsent bytes are discarded and the client hears at once.

use std::io::IoSlice;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A socket, reset when dropped if `abort` was set by then.
#[derive(Debug)]
pub(super) struct Abortable {
    stream: TcpStream,
    abort: Arc<AtomicBool>,
}

impl Abortable {
    pub(super) fn new(stream: TcpStream, abort: Arc<AtomicBool>) -> Abortable {
        Abortable { stream, abort }
    }
}

impl Drop for Abortable {
    fn drop(&mut self) {
        if self.abort.load(Ordering::Acquire) {
            // If the option cannot be set, the socket closes the usual way: nothing is lost.
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for Abortable {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Abortable {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
