//! TLS settings for fetching: the client identity of `-tls_cert`/`-tls_key`, the trusted roots
//! (`-tls_ca`, else the built-in web roots) and the unverified mode of `https+insecure://`.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, Result};
use crate::http::TlsFiles;

/// A client certificate chain and its key.
pub type Identity = Option<(Vec<CertificateDer<'static>>, Arc<PrivateKeyDer<'static>>)>;

/// The certificate and key of `-tls_cert` and `-tls_key`, which come together.
pub fn client_identity(tls: &TlsFiles) -> Result<Identity> {
    let (cert, key) = match (&tls.cert, &tls.key) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => (cert, key),
        (None, Some(_)) => {
            return Err(Error::Usage(
                "-tls_key is specified, so -tls_cert must also be specified".into(),
            ))
        }
        (Some(_), None) => {
            return Err(Error::Usage(
                "-tls_cert is specified, so -tls_key must also be specified".into(),
            ))
        }
    };
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        Error::Usage(format!(
            "could not load certificate/key pair specified by -tls_cert and -tls_key: {what}: {e}"
        ))
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| failed(cert, &e))?;
    if certs.is_empty() {
        return Err(failed(cert, &"no certificate found"));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| failed(key, &e))?;
    Ok(Some((certs, Arc::new(key))))
}

/// The roots to trust: the certificates of `-tls_ca` only, else the built-in web roots.
pub fn roots(ca: Option<&str>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    let Some(ca) = ca else {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    };
    let failed = |e: &dyn std::fmt::Display| {
        Error::Usage(format!("could not load CA specified by -tls_ca: {ca}: {e}"))
    };
    let certs = CertificateDer::pem_file_iter(ca)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| failed(&e))?;
    let (_, ignored) = store.add_parsable_certificates(certs);
    if store.is_empty() {
        return Err(failed(&format!(
            "no usable certificate ({ignored} ignored)"
        )));
    }
    Ok(store)
}

/// A client configuration; `insecure` accepts any server certificate.
pub fn config(
    roots: RootCertStore,
    identity: Identity,
    insecure: bool,
) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Usage(format!("TLS setup: {e}")))?;
    let builder = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
    } else {
        builder.with_root_certificates(roots)
    };
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key.clone_key())
            .map_err(|e| {
                Error::Usage(format!(
                    "could not load certificate/key pair specified by -tls_cert and -tls_key: {e}"
                ))
            }),
    }
}

/// `https+insecure://`: the server's certificate is not checked (signatures still are, so the
/// handshake is well-formed), as Go's `InsecureSkipVerify`.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
