//! HTTPS: the certificate the server presents, made at start or read from files.
//!
//! Clients of a real Enswitch talk HTTPS, and some build `https://<host>/api/json/` themselves,
//! so the fake can serve the same. [`Tls::private_ca`] makes a certificate authority of this
//! run's own and a server certificate it signs for `localhost`, `127.0.0.1` and `::1`; a client
//! that is given the CA's certificate verifies the server as it would a real one, and a client
//! that is not refuses it. [`Tls::from_pem_files`] serves a pair the user already has instead.
//! Nothing here turns verification off on either side.
//!
//! The keys live in memory only: the CA's private key is dropped once the server certificate is
//! signed, so nothing this run issued can be reissued by anyone.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The names the made certificate is good for: how a client on this machine reaches the fake.
pub const LOCAL_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Why HTTPS could not be set up. A file's error names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("making the private CA and its server certificate: {0}")]
    Making(#[source] rcgen::Error),
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: no PEM certificate in it (a file of `-----BEGIN CERTIFICATE-----` blocks, the server's first)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{}: no PEM private key in it (PKCS #8, PKCS #1 or SEC1)", path.display())]
    NoKey { path: PathBuf },
    #[error("the certificate and key cannot be served: {0}")]
    Refused(#[source] rustls::Error),
}

/// What the server presents to a client opening HTTPS.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    /// The made CA's certificate (PEM), for clients to trust; `None` for a given pair.
    ca_pem: Option<String>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The acceptor holds the private key: only say which kind this is.
        f.debug_struct("Tls")
            .field("private_ca", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// A CA of this run's own, and a server certificate it signs for [`LOCAL_NAMES`].
    pub fn private_ca() -> Result<Tls, TlsError> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(TlsError::Making)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.distinguished_name
            .push(DnType::CommonName, "enswitch-fake private CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().map_err(TlsError::Making)?;
        let ca_certificate = ca.self_signed(&ca_key).map_err(TlsError::Making)?;

        let names: Vec<String> = LOCAL_NAMES.iter().map(|&n| n.to_owned()).collect();
        let mut server = CertificateParams::new(names).map_err(TlsError::Making)?;
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let server_key = KeyPair::generate().map_err(TlsError::Making)?;
        let issuer = Issuer::new(ca, ca_key);
        let server_certificate = server
            .signed_by(&server_key, &issuer)
            .map_err(TlsError::Making)?;

        let chain = vec![server_certificate.der().clone()];
        let key = PrivateKeyDer::Pkcs8(server_key.serialize_der().into());
        Ok(Tls {
            acceptor: acceptor(chain, key)?,
            ca_pem: Some(ca_certificate.pem()),
        })
    }

    /// The certificate chain in `cert` (PEM, the server's certificate first) and the private
    /// key in `key` (PEM).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
            .map_while(Result::ok)
            .collect();
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: cert.to_owned(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|_| TlsError::NoKey {
            path: key.to_owned(),
        })?;
        Ok(Tls {
            acceptor: acceptor(chain, key)?,
            ca_pem: None,
        })
    }

    /// The made CA's certificate, PEM: what a client is told to trust. `None` for a given pair.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    pub(super) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}

/// A TLS 1.2 and 1.3 server presenting `chain`, offering HTTP/1.1 only.
fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Refused)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(TlsError::Refused)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_private_ca_signs_a_certificate_for_the_local_names() {
        let tls = Tls::private_ca().unwrap();
        let pem = tls.ca_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        // Two runs, two CAs: nothing issued by one is trusted by the other's clients.
        assert_ne!(Tls::private_ca().unwrap().ca_pem(), Some(pem));
        assert!(!format!("{tls:?}").contains("PRIVATE"));
    }

    #[test]
    fn files_without_a_certificate_or_key_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "nothing here").unwrap();
        let error = Tls::from_pem_files(&empty, &empty).unwrap_err();
        assert!(
            matches!(&error, TlsError::NoCertificate { path } if *path == empty),
            "{error}"
        );
        let missing = dir.path().join("missing.pem");
        let error = Tls::from_pem_files(&missing, &empty).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("{}: cannot read", missing.display()))
        );

        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, made.cert.pem()).unwrap();
        let error = Tls::from_pem_files(&cert, &empty).unwrap_err();
        assert!(
            matches!(&error, TlsError::NoKey { path } if *path == empty),
            "{error}"
        );
        let key = dir.path().join("key.pem");
        std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
        let tls = Tls::from_pem_files(&cert, &key).unwrap();
        assert_eq!(tls.ca_pem(), None);
    }
}
