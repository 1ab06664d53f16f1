//! A station reaching the server station over the LAN: `expose` turns the embedded cluster into a
//! TLS server for the application's role; the checks of each sslmode hold.

use std::path::Path;

use models::testing::TestDb;
use models::{Config, Target};

fn station_config(url: &str) -> Config {
    Config::from_toml_and_env("", Path::new("station.toml"), &[("OMBOR_DATABASE_URL".into(), url.into())]).unwrap()
}

async fn ssl_in_use(config: &Config) -> Result<bool, String> {
    let target = Target::from_config(config).map_err(|e| e.to_string())?;
    let pool = target.pool(1);
    let c = pool.get().await.map_err(|e| models::Error::from(e).to_string())?;
    let ssl: bool = c.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.map_err(|e| e.to_string())?.get(0);
    let _: i64 = c.query_one("SELECT count(*) FROM products", &[]).await.map_err(|e| e.to_string())?.get(0);
    Ok(ssl)
}

#[tokio::test]
async fn an_exposed_cluster_serves_stations_over_verified_tls_only() {
    let db = TestDb::new().await;
    let cluster = db.cluster().expect("a throwaway cluster");
    models::db::set_app_password(&db.target.owner, "station-password-123").await.unwrap();
    assert!(models::db::set_app_password(&db.target.owner, "short").await.is_err(), "a short password is refused");
    let exposure = cluster.expose("127.0.0.1", &["localhost".to_string()]).unwrap();
    let again = cluster.expose("127.0.0.1", &["localhost".to_string()]).unwrap();
    assert_eq!(std::fs::read(&exposure.ca_file).unwrap(), std::fs::read(&again.ca_file).unwrap(), "the CA stays");
    let hba = std::fs::read_to_string(cluster.pgdata().join("pg_hba.conf")).unwrap();
    assert_eq!(hba.matches("# Ombor Nazorat: stations").count(), 1, "running it twice leaves one block:\n{hba}");
    cluster.stop().unwrap();
    cluster.start().unwrap();

    let dbname = db.target.app.get_dbname().unwrap().to_string();
    let ca = exposure.ca_file.display().to_string();
    let url = |host: &str, params: &str| format!("postgres://ombor_app:station-password-123@{host}:{}/{dbname}?{params}", exposure.port);

    // verify-full: the CA and the host name checked.
    assert_eq!(ssl_in_use(&station_config(&url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}")))).await, Ok(true));
    // The CA can also come from database.ca_file.
    let mut cfg = station_config(&url("localhost", "sslmode=verify-full"));
    cfg.database.ca_file = ca.clone();
    assert_eq!(ssl_in_use(&cfg).await, Ok(true));
    // The certificate names localhost only: 127.0.0.1 fails verify-full, passes verify-ca.
    let e = ssl_in_use(&station_config(&url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}")))).await.unwrap_err();
    assert!(e.contains("cannot be reached") || e.contains("certificate") || e.contains("TLS") || e.contains("error"), "{e}");
    assert_eq!(ssl_in_use(&station_config(&url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")))).await, Ok(true));
    // require: encrypted without checking.
    assert_eq!(ssl_in_use(&station_config(&url("127.0.0.1", "sslmode=require"))).await, Ok(true));
    // Without TLS, or with a wrong password: refused.
    assert!(ssl_in_use(&station_config(&url("127.0.0.1", "sslmode=disable"))).await.is_err(), "no TLS, no entry");
    let wrong =
        format!("postgres://ombor_app:wrong-password-000@localhost:{}/{dbname}?sslmode=verify-full&sslrootcert={ca}", exposure.port);
    assert!(ssl_in_use(&station_config(&wrong)).await.is_err());
    // verify-full without any CA is a configuration error, said before connecting.
    let e = Target::from_config(&station_config(&url("localhost", "sslmode=verify-full"))).unwrap_err().to_string();
    assert!(e.contains("ca_file"), "{e}");
    // A CA that did not sign the server's certificate: refused.
    let other = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    std::fs::write(other.path().join("ca.crt"), params.self_signed(&key).unwrap().pem()).unwrap();
    let foreign = url("localhost", &format!("sslmode=verify-full&sslrootcert={}", other.path().join("ca.crt").display()));
    assert!(ssl_in_use(&station_config(&foreign)).await.is_err(), "a foreign CA is not trusted");
}
