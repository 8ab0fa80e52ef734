//! TLS on the wire (RELIABILITY G6): the hub serves HTTPS with a
//! certificate made here, signed by a company CA made here; the client
//! trusts that CA only when configured, and never sends a password over
//! plain http to another machine unless allowed.
//!
//! One engine is enough: TLS ends in the HTTP server, in front of either
//! engine (and a PostgreSQL deployment ends it in the reverse proxy).

use crate::common;

use outlet_desk::hub::{self, serve::TlsFiles};
use outlet_desk::i18n::Lang;
use outlet_desk::sync::{HubClient, Transport};

/// A CA and a server certificate for 127.0.0.1/localhost it signed:
/// (CA PEM, server chain PEM, server key PEM).
fn company_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "outlet-desk test company CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("leaf");
    (ca_cert.pem(), leaf.pem(), key.serialize_pem())
}

#[tokio::test]
// Under wine (the Windows leg of CI) reqwest cannot build a client with an
// extra root certificate ("builder error" from the platform verifier on
// wine's crypt32); the TLS path is proven on Linux.
#[cfg_attr(windows, ignore = "wine cannot build a client with an extra root")]
async fn the_hub_serves_https_and_the_client_trusts_the_company_ca() {
    let (ca, chain, key) = company_pki();
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert_file, key_file) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
    std::fs::write(&cert_file, chain).expect("write");
    std::fs::write(&key_file, key).expect("write");
    let mut cfg = common::config(&dir.path().join("data"), true);
    cfg.net.tls = Some(TlsFiles {
        cert: cert_file,
        key: key_file,
    });
    let running = hub::start(cfg).await.expect("hub starts with TLS");
    let url = running.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // With the company CA: health, then a login whose password travels
    // encrypted.
    let trusted = Transport {
        ca_pem: Some(ca.into_bytes()),
        ..Transport::default()
    };
    let client = HubClient::with_transport(&url, Lang::En, &trusted).expect("client");
    client.health().await.expect("https health");
    let session = client
        .login("yz.clerk", common::DEMO_PW)
        .await
        .expect("login over https");
    assert_eq!(session.user.login, "yz.clerk");

    // Without it the certificate is not trusted: nothing is sent.
    let stranger = HubClient::new(&url, Lang::En).expect("client");
    let err = stranger
        .login("yz.clerk", common::DEMO_PW)
        .await
        .expect_err("an unknown CA is refused");
    assert!(err.is_unreachable(), "{err}");

    // Plain http to the TLS port gets no answer.
    let plain = url.replacen("https://", "http://", 1);
    let r = reqwest::Client::new()
        .get(format!("{plain}/healthz"))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await;
    assert!(r.is_err() || r.is_ok_and(|r| !r.status().is_success()));
    running.stop().await;
}

#[tokio::test]
async fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    // 192.0.2.0/24 is TEST-NET-1: never routed, and never contacted here,
    // because the policy refuses before connecting.
    let err = HubClient::new("http://192.0.2.10:8080", Lang::En).expect_err("refused");
    assert!(err.to_string().contains("allow_insecure_http"), "{err}");
    let allowed = Transport {
        allow_insecure_http: true,
        ..Transport::default()
    };
    assert!(HubClient::with_transport("http://192.0.2.10:8080", Lang::En, &allowed).is_ok());
    assert!(HubClient::new("http://127.0.0.1:8080", Lang::En).is_ok());
}
