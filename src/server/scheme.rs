//! How the server's connections are opened: plain HTTP, or HTTPS (`serve --tls`).

#[cfg(feature = "tls")]
use crate::server::Tls;

/// How connections are opened: plain HTTP, or HTTPS with what the server presents.
#[derive(Debug, Clone, Default)]
pub enum Scheme {
    #[default]
    Http,
    #[cfg(feature = "tls")]
    Https(Tls),
}

impl Scheme {
    /// `http` or `https`, as a URL starts.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Http => "http",
            #[cfg(feature = "tls")]
            Scheme::Https(_) => "https",
        }
    }
}
