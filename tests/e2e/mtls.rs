//! Client certificates between services: storage with `NIANBAO_TLS__CLIENT_CA_FILE` refuses a
//! client without a certificate (or with one from another CA) and serves one whose certificate
//! the CA signed; the rendering and aggregation services present their client certificate to
//! storage when configured with `NIANBAO_{RENDER,AGGREGATE}__STORAGE_TLS__*`, and cannot reach
//! it without one. Every certificate is made in the test (rcgen).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::support::{Service, bin, free_port, last_line, ok, run};

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| panic!("{e}"));
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params
        .self_signed(&key)
        .unwrap_or_else(|e| panic!("CA: {e}"));
    Ca { cert, key }
}

/// A certificate for `names` signed by `ca`; (certificate PEM, key PEM).
fn leaf(ca: &Ca, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
    let key = KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("{e}"));
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.extended_key_usages = vec![usage];
    let cert = params
        .signed_by(&key, &ca.cert, &ca.key)
        .unwrap_or_else(|e| panic!("sign: {e}"));
    (cert.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    p.display().to_string()
}

/// WhoAmI over TLS trusting `ca_pem`, presenting `identity` when given.
async fn who_am_i(
    url: &str,
    ca_pem: &str,
    identity: Option<(&str, &str)>,
    token: &str,
) -> Result<String, String> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca_pem))
        .domain_name("localhost");
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    let channel = Endpoint::from_shared(url.to_string())
        .map_err(|e| e.to_string())?
        .tls_config(tls)
        .map_err(|e| e.to_string())?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let mut req = tonic::Request::new(pb::WhoAmIRequest {});
    req.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}")
            .parse()
            .unwrap_or_else(|e| panic!("header: {e}")),
    );
    StorageServiceClient::new(channel)
        .who_am_i(req)
        .await
        .map(|r| format!("{:?}", r.into_inner()))
        .map_err(|s| format!("{:?} {}", s.code(), s.message()))
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn client_certificates_between_services() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let d = dir.path();
    let city_ca = ca("nianbao test CA");
    let other_ca = ca("another CA");
    let ca_pem = city_ca.cert.pem();
    let ca_file = write(d, "ca.pem", &ca_pem);
    let (server_cert, server_key) = leaf(
        &city_ca,
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client_cert, client_key) =
        leaf(&city_ca, &["render"], ExtendedKeyUsagePurpose::ClientAuth);
    let (rogue_cert, rogue_key) = leaf(&other_ca, &["rogue"], ExtendedKeyUsagePurpose::ClientAuth);
    let client_cert_file = write(d, "client.pem", &client_cert);
    let client_key_file = write(d, "client.key", &client_key);

    let database = format!("sqlite://{}/mtls.db?mode=rwc", d.display());
    let admin = last_line(&ok(
        &[
            "token",
            "create",
            "--role",
            "admin",
            "--database",
            &database,
        ],
        &[],
    ));
    let port = free_port();
    let log = std::fs::File::create(d.join("storage.log")).unwrap_or_else(|e| panic!("log: {e}"));
    let err = log.try_clone().unwrap_or_else(|e| panic!("log: {e}"));
    let _storage = Killed(
        Command::new(bin())
            .args([
                "serve",
                "storage",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database",
                &database,
            ])
            .env(
                "NIANBAO_TLS__CERT_FILE",
                write(d, "server.pem", &server_cert),
            )
            .env("NIANBAO_TLS__KEY_FILE", write(d, "server.key", &server_key))
            .env("NIANBAO_TLS__CLIENT_CA_FILE", &ca_file)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start storage: {e}")),
    );
    let url = format!("https://localhost:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));

    // With a certificate the CA signed: served (waiting for the start).
    let started = Instant::now();
    let answer = loop {
        match rt.block_on(who_am_i(
            &url,
            &ca_pem,
            Some((&client_cert, &client_key)),
            &admin,
        )) {
            Ok(a) => break a,
            Err(e) if started.elapsed() < Duration::from_secs(60) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!(
                "storage with TLS never answered: {e}\n{}",
                std::fs::read_to_string(d.join("storage.log")).unwrap_or_default()
            ),
        }
    };
    assert!(answer.to_lowercase().contains("admin"), "{answer}");

    // Without a certificate, with one from another CA, and in plain text: refused.
    let none = rt.block_on(who_am_i(&url, &ca_pem, None, &admin));
    assert!(
        none.is_err(),
        "a client without a certificate was served: {none:?}"
    );
    let rogue = rt.block_on(who_am_i(
        &url,
        &ca_pem,
        Some((&rogue_cert, &rogue_key)),
        &admin,
    ));
    assert!(
        rogue.is_err(),
        "a certificate of another CA was accepted: {rogue:?}"
    );
    let plain = run(
        &["health", "--server", &format!("http://127.0.0.1:{port}")],
        &[],
    );
    assert!(!plain.status.success(), "plain text was served");
    eprintln!("no certificate: {none:?}\nanother CA: {rogue:?}");

    // Rendering and aggregation present their client certificate to storage. A report that
    // does not exist is `not found` from storage when the connection is made, and storage is
    // unreachable when the service has no certificate to present.
    let tls_env = |prefix: &str, with_cert: bool| {
        let mut env = vec![
            (format!("NIANBAO_{prefix}__STORAGE_URL"), url.clone()),
            (
                format!("NIANBAO_{prefix}__STORAGE_TLS__CA_FILE"),
                ca_file.clone(),
            ),
        ];
        if with_cert {
            env.push((
                format!("NIANBAO_{prefix}__STORAGE_TLS__CERT_FILE"),
                client_cert_file.clone(),
            ));
            env.push((
                format!("NIANBAO_{prefix}__STORAGE_TLS__KEY_FILE"),
                client_key_file.clone(),
            ));
        }
        env
    };
    let out_file = d.join("r.html").display().to_string();
    let mut answers = Vec::new();
    for with_cert in [true, false] {
        let env = tls_env("RENDER", with_cert);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let render = Service::start("render", free_port(), &[], &env, d);
        let out = run(
            &[
                "render",
                "--report",
                "no-such-office:2023",
                "--format",
                "html",
                "-o",
                &out_file,
            ],
            &[
                ("NIANBAO_SERVER", render.url.as_str()),
                ("NIANBAO_TOKEN", admin.as_str()),
            ],
        );
        let env = tls_env("AGGREGATE", with_cert);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let aggregate = Service::start("aggregate", free_port(), &[], &env, d);
        let agg = run(
            &["completeness", "--org", "no-such-office", "--year", "2023"],
            &[
                ("NIANBAO_SERVER", aggregate.url.as_str()),
                ("NIANBAO_TOKEN", admin.as_str()),
            ],
        );
        for (what, o) in [("render", out), ("aggregate", agg)] {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            eprintln!(
                "{what}, client certificate {with_cert}: {:?} {text}",
                o.status.code()
            );
            answers.push((what, with_cert, o.status.code(), text));
        }
    }
    for (what, with_cert, code, text) in &answers {
        assert_ne!(*code, Some(0), "{what}: a missing office was found");
        let lower = text.to_lowercase();
        let found_missing = lower.contains("not found") || text.contains("不存在");
        // The code differs with the moment the handshake fails (UNAVAILABLE, UNKNOWN
        // "transport error", INTERNAL "operation was canceled").
        let unreachable = ["unavailable", "unreachable", "transport", "cancel"]
            .iter()
            .any(|m| lower.contains(m));
        if *with_cert {
            assert!(
                found_missing && !unreachable,
                "{what} with a client certificate reaches storage: {text}"
            );
        } else {
            assert!(
                unreachable && !found_missing,
                "{what} without a client certificate cannot reach storage: {text}"
            );
        }
    }
}
